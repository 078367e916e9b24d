import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { layoutEntries, writeOciArchive } from "../src/archive";
import { readTar, tarHeader, writeTar } from "../src/tar";
import { tempDir } from "./helpers";
import { useTempDir } from "@steady/testing";

describe("tar", () => {
  const t = useTempDir();

  it("writes entries that read back with owner 0:0, the fixed time, modes and content", () => {
    const a = join(t.dir, "a.txt");
    writeFileSync(a, "hello world");
    const size = writeTar(
      join(t.dir, "out.tar"),
      [
        { name: "d", type: "dir", mode: 0o755 },
        { name: "d/a.txt", type: "file", mode: 0o644, source: a },
      ],
      42,
    );
    const archive = readFileSync(join(t.dir, "out.tar"));
    expect(archive.length).toBe(size);
    expect(size % 512).toBe(0);
    const entries = readTar(archive);
    expect(entries.map(({ offset: _, ...e }) => e)).toEqual([
      { name: "d/", type: "5", mode: 0o755, uid: 0, gid: 0, mtime: 42, size: 0 },
      { name: "d/a.txt", type: "0", mode: 0o644, uid: 0, gid: 0, mtime: 42, size: 11 },
    ]);
    const file = entries[1]!;
    expect(archive.subarray(file.offset, file.offset + file.size).toString()).toBe("hello world");
  });

  it("gives the same bytes for the same entries, whatever the files' own times", () => {
    const a = join(t.dir, "a");
    writeFileSync(a, "x");
    const entries = [{ name: "a", type: "file" as const, mode: 0o644, source: a }];
    writeTar(join(t.dir, "1.tar"), entries, 0);
    writeFileSync(a, "x");
    writeTar(join(t.dir, "2.tar"), entries, 0);
    expect(readFileSync(join(t.dir, "1.tar")).equals(readFileSync(join(t.dir, "2.tar")))).toBe(
      true,
    );
  });

  it("splits a long path into the ustar prefix and name", () => {
    const long = `blobs/${"d".repeat(60)}/${"f".repeat(90)}`;
    const header = tarHeader(long, "file", 0o644, 0, 0);
    expect(readTar(Buffer.concat([header, Buffer.alloc(1024)]))[0]?.name).toBe(long);
  });

  it("refuses a path too long for ustar", () => {
    expect(() => tarHeader("x".repeat(300), "file", 0o644, 0, 0)).toThrow(
      "is too long for a ustar archive",
    );
  });

  it("detects a damaged header", () => {
    const header = tarHeader("a", "file", 0o644, 0, 0);
    header[0] = "b".charCodeAt(0);
    expect(() => readTar(header)).toThrow("tar header at offset 0 has a bad checksum");
  });
});

describe("writeOciArchive", () => {
  it("archives the layout sorted by path, directories before their content", () => {
    const t = tempDir();
    try {
      const layout = join(t.dir, "oci");
      mkdirSync(join(layout, "blobs", "sha256"), { recursive: true });
      for (const f of ["oci-layout", "index.json", "blobs/sha256/bb", "blobs/sha256/aa"]) {
        writeFileSync(join(layout, f), f);
      }
      expect(layoutEntries(layout).map((e) => e.name)).toEqual([
        "blobs",
        "blobs/sha256",
        "blobs/sha256/aa",
        "blobs/sha256/bb",
        "index.json",
        "oci-layout",
      ]);
      writeOciArchive(layout, join(t.dir, "x.tar"), 0);
      const names = readTar(readFileSync(join(t.dir, "x.tar"))).map((e) => e.name);
      expect(names).toEqual([
        "blobs/",
        "blobs/sha256/",
        "blobs/sha256/aa",
        "blobs/sha256/bb",
        "index.json",
        "oci-layout",
      ]);
    } finally {
      t.cleanup();
    }
  });
});
