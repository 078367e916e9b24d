import { closeSync, fstatSync, openSync, readSync, writeSync } from "node:fs";

/** Size of a tar block; headers and content are padded to it. */
export const BLOCK = 512;

/** Largest file a ustar header can describe (11 octal digits). */
const MAX_SIZE = 0o77777777777;

/** One entry to write into an archive. */
export interface TarInput {
  /** Path inside the archive, relative, `/`-separated; directories without a trailing slash. */
  readonly name: string;
  /** `dir` or `file`. */
  readonly type: "dir" | "file";
  /** For files: where the content is on disk. */
  readonly source?: string;
  /** Permission bits. */
  readonly mode: number;
}

/** One entry read back from an archive by {@link readTar}. */
export interface TarEntry {
  /** Path inside the archive (directories end with `/`). */
  readonly name: string;
  /** `0` regular file, `5` directory, `2` symlink, …: the ustar type flag. */
  readonly type: string;
  /** Permission bits. */
  readonly mode: number;
  /** Owner and group ids. */
  readonly uid: number;
  readonly gid: number;
  /** Modification time, seconds since the epoch. */
  readonly mtime: number;
  /** Content length in bytes. */
  readonly size: number;
  /** Offset of the content in the archive buffer. */
  readonly offset: number;
}

/** Splits a path into the ustar `prefix` (155 bytes) and `name` (100 bytes) fields. */
function splitName(path: string): [prefix: string, name: string] {
  if (Buffer.byteLength(path) <= 100) return ["", path];
  for (let i = path.lastIndexOf("/"); i > 0; i = path.lastIndexOf("/", i - 1)) {
    const prefix = path.slice(0, i);
    const name = path.slice(i + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== "") {
      return [prefix, name];
    }
  }
  throw new Error(
    `path ${JSON.stringify(path)} is too long for a ustar archive (name 100, prefix 155 bytes)`,
  );
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, "0") + "\0";
}

/**
 * A ustar header with owner root (0:0, no names) and the given modification time. The same
 * entry always gives the same 512 bytes.
 */
export function tarHeader(
  name: string,
  type: "dir" | "file",
  mode: number,
  size: number,
  mtime: number,
): Buffer {
  if (size > MAX_SIZE)
    throw new Error(`${name} is ${size} bytes: more than a ustar archive can hold`);
  const [prefix, short] = splitName(type === "dir" ? `${name}/` : name);
  const header = Buffer.alloc(BLOCK);
  header.write(short, 0, 100, "utf8");
  header.write(octal(mode & 0o7777, 8), 100, 8, "ascii");
  header.write(octal(0, 8), 108, 8, "ascii");
  header.write(octal(0, 8), 116, 8, "ascii");
  header.write(octal(type === "dir" ? 0 : size, 12), 124, 12, "ascii");
  header.write(octal(mtime, 12), 136, 12, "ascii");
  header.write(" ".repeat(8), 148, 8, "ascii");
  header.write(type === "dir" ? "5" : "0", 156, 1, "ascii");
  header.write("ustar\0", 257, 6, "ascii");
  header.write("00", 263, 2, "ascii");
  header.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(octal(sum, 7) + " ", 148, 8, "ascii");
  return header;
}

/**
 * Writes a ustar archive of `entries`, in the order given, every entry owned by 0:0 with
 * modification time `mtime`, and two zero blocks at the end. File content is streamed.
 * @returns the archive's size in bytes.
 */
export function writeTar(path: string, entries: readonly TarInput[], mtime: number): number {
  const out = openSync(path, "w", 0o644);
  let written = 0;
  const write = (buffer: Buffer, length = buffer.length): void => {
    let done = 0;
    while (done < length) done += writeSync(out, buffer, done, length - done);
    written += length;
  };
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (const entry of entries) {
      if (entry.type === "dir") {
        write(tarHeader(entry.name, "dir", entry.mode, 0, mtime));
        continue;
      }
      if (entry.source === undefined) throw new Error(`${entry.name}: a file needs a source`);
      const input = openSync(entry.source, "r");
      try {
        const size = fstatSync(input).size;
        write(tarHeader(entry.name, "file", entry.mode, size, mtime));
        let left = size;
        while (left > 0) {
          const n = readSync(input, chunk, 0, Math.min(chunk.length, left), null);
          if (n === 0) throw new Error(`${entry.source} shrank while it was being archived`);
          write(chunk, n);
          left -= n;
        }
        const pad = (BLOCK - (size % BLOCK)) % BLOCK;
        if (pad > 0) write(Buffer.alloc(pad));
      } finally {
        closeSync(input);
      }
    }
    write(Buffer.alloc(2 * BLOCK));
  } finally {
    closeSync(out);
  }
  return written;
}

/**
 * Reads the headers of an uncompressed tar archive (ustar, with GNU or PAX long names skipped
 * as entries of their own type). Enough to inspect what a layer or an archive holds.
 * @throws Error on a header whose checksum does not match.
 */
export function readTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let at = 0;
  while (at + BLOCK <= archive.length) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number): string =>
      header
        .subarray(start, start + length)
        .toString("utf8")
        .replace(/\0.*$/s, "");
    const num = (start: number, length: number): number =>
      parseInt(field(start, length).trim() || "0", 8);
    const expected = num(148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
    if (sum !== expected) throw new Error(`tar header at offset ${at} has a bad checksum`);
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = num(124, 12);
    entries.push({
      name,
      type: field(156, 1) || "0",
      mode: num(100, 8),
      uid: num(108, 8),
      gid: num(116, 8),
      mtime: num(136, 12),
      size,
      offset: at + BLOCK,
    });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
