import { existsSync, lstatSync, readdirSync } from "node:fs";
import { join, posix } from "node:path";
import { APP_DIR, NODE_PATH, etcFiles } from "./config";
import type { SharedLibrary } from "./ldd";

/** A directory in the image. */
export interface DirEntry {
  readonly type: "dir";
  /** Absolute path in the image. */
  readonly path: string;
  /** Permission bits (sticky bit included for /tmp). */
  readonly mode: number;
}

/** A file copied from the build machine. */
export interface CopiedFile {
  readonly type: "file";
  /** Absolute path in the image. */
  readonly path: string;
  /** Permission bits. */
  readonly mode: number;
  /** Absolute path on the build machine; symlinks are followed. */
  readonly source: string;
}

/** A file whose content the build writes (the minimal /etc). */
export interface GeneratedEntry {
  readonly type: "generated";
  /** Absolute path in the image. */
  readonly path: string;
  /** Permission bits. */
  readonly mode: number;
  /** Content. */
  readonly content: string;
}

/** One entry of the image's root filesystem. Everything is owned by root (0:0). */
export type RootfsEntry = DirEntry | CopiedFile | GeneratedEntry;

/** What goes into the image. */
export interface PlanInput {
  /** The app's directory on the build machine (apps/hello). */
  readonly appDir: string;
  /** Files of the app to ship, relative to `appDir`, with `/` separators (package.json, dist/…). */
  readonly appFiles: readonly string[];
  /**
   * Files of the app's production dependencies (see `listDependencyFiles`), placed under /app
   * like a `npm ci --omit=dev` would place them.
   * @default - none
   */
  readonly dependencyFiles?: readonly { readonly path: string; readonly source: string }[];
  /** The Node.js binary on the build machine, symlinks resolved. */
  readonly nodeBinary: string;
  /** The shared libraries the binary loads, loader included (see `sharedLibraries`). */
  readonly libraries: readonly SharedLibrary[];
}

/** Mode of directories, programs and the loader. */
const EXECUTABLE = 0o755;
/** Mode of everything else: read-only to the app, which runs as 10001 and owns nothing. */
const READ_ONLY = 0o644;
/** Mode of /tmp: writable by all, sticky (as on every Linux system). */
const TMP = 0o1777;

/**
 * The image's root filesystem as a sorted list: the Node.js binary at /usr/local/bin/node, each
 * shared library at the path where the loader found it (the loader at its ELF interpreter
 * path), the app's files under /app, a minimal /etc, /tmp, and every parent directory.
 * Pure: nothing is read; {@link listAppFiles} and `sharedLibraries` gather the input.
 * @throws Error when two inputs claim the same path, or an app file path is not relative.
 */
export function planRootfs(input: PlanInput): RootfsEntry[] {
  const entries = new Map<string, RootfsEntry>();
  const put = (entry: RootfsEntry): void => {
    const existing = entries.get(entry.path);
    if (existing !== undefined) {
      throw new Error(
        `two inputs claim ${entry.path} in the image: ${describe(existing)} and ${describe(entry)}`,
      );
    }
    entries.set(entry.path, entry);
  };
  put({ type: "file", path: NODE_PATH, mode: EXECUTABLE, source: input.nodeBinary });
  for (const lib of input.libraries) {
    put({
      type: "file",
      path: lib.path,
      mode: lib.loader ? EXECUTABLE : READ_ONLY,
      source: lib.path,
    });
  }
  for (const file of input.appFiles) {
    const normalized = posix.normalize(file);
    if (posix.isAbsolute(normalized) || normalized.startsWith("../") || normalized === "..") {
      throw new Error(`app file ${JSON.stringify(file)} is not a path inside the app directory`);
    }
    put({
      type: "file",
      path: posix.join(APP_DIR, normalized),
      mode: READ_ONLY,
      source: join(input.appDir, ...normalized.split("/")),
    });
  }
  for (const dep of input.dependencyFiles ?? []) {
    const normalized = posix.normalize(dep.path);
    if (!normalized.startsWith("node_modules/")) {
      throw new Error(`dependency file ${JSON.stringify(dep.path)} is not under node_modules/`);
    }
    put({
      type: "file",
      path: posix.join(APP_DIR, normalized),
      mode: READ_ONLY,
      source: dep.source,
    });
  }
  for (const file of etcFiles()) put({ type: "generated", mode: READ_ONLY, ...file });
  put({ type: "dir", path: "/tmp", mode: TMP });
  put({ type: "dir", path: APP_DIR, mode: EXECUTABLE });
  // Every parent directory, root-owned and 0755.
  for (const path of [...entries.keys()]) {
    for (let dir = posix.dirname(path); dir !== "/"; dir = posix.dirname(dir)) {
      const existing = entries.get(dir);
      if (existing === undefined) entries.set(dir, { type: "dir", path: dir, mode: EXECUTABLE });
      else if (existing.type !== "dir") {
        throw new Error(
          `${dir} is both a file (${describe(existing)}) and a directory in the image`,
        );
      }
    }
  }
  return [...entries.values()].sort((a, b) => compareBytes(a.path, b.path));
}

function describe(entry: RootfsEntry): string {
  return entry.type === "file"
    ? entry.source
    : entry.type === "dir"
      ? "a directory"
      : "a generated file";
}

/** Byte-wise (not locale) order, so the order is the same on every machine. */
export function compareBytes(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return Buffer.compare(x, y);
}

/**
 * The files of a built app that go into the image, as the Dockerfile copies them:
 * package.json and everything under dist/, relative to `appDir`, sorted.
 * @throws Error naming what is missing (and the command that builds it), or a dist entry that
 * is neither a file nor a directory.
 */
export function listAppFiles(appDir: string): string[] {
  const manifest = join(appDir, "package.json");
  const dist = join(appDir, "dist");
  if (!existsSync(manifest)) {
    throw new Error(
      `${manifest} does not exist: --app must name an app directory such as apps/hello`,
    );
  }
  if (!existsSync(join(dist, "main.js"))) {
    throw new Error(
      `${join(dist, "main.js")} does not exist: build the app first ` +
        "(`npm run build -w @steady/hello`, or `npx turbo run build`)",
    );
  }
  const files = ["package.json"];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort(compareBytes)) {
      const full = join(dir, name);
      const relPath = `${rel}/${name}`;
      const stat = lstatSync(full);
      if (stat.isDirectory()) walk(full, relPath);
      else if (stat.isFile()) files.push(relPath);
      else {
        throw new Error(
          `${full} is neither a regular file nor a directory; the image takes only those`,
        );
      }
    }
  };
  walk(dist, "dist");
  return files.sort(compareBytes);
}
