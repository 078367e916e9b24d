import { isAbsolute, posix } from "node:path";
import { run } from "./exec";

/** One shared object a dynamically linked program loads at start. */
export interface SharedLibrary {
  /** The name the program asks for (its DT_NEEDED entry, or the loader's own path). */
  readonly name: string;
  /** Absolute path where the dynamic loader found it; also where it goes in the image. */
  readonly path: string;
  /** True for the dynamic loader (the program's ELF interpreter). */
  readonly loader: boolean;
}

/** ldd could not find one or more libraries the program needs. */
export class MissingLibraryError extends Error {
  /**
   * @param binary the program ldd was run on.
   * @param missing the library names ldd reported as "not found".
   */
  constructor(
    readonly binary: string,
    readonly missing: readonly string[],
  ) {
    super(
      `${binary} needs shared libraries that are not installed: ${missing.join(", ")}. ` +
        "Install them or use a Node.js binary whose libraries are all present (`ldd` lists none as 'not found').",
    );
    this.name = "MissingLibraryError";
  }
}

/** Lines ldd prints, instead of a list, for a program that loads no shared objects. */
const STATIC_MARKERS = ["not a dynamic executable", "statically linked"];

/**
 * Parses the output of `ldd <binary>` (glibc or musl) into the shared objects the program loads:
 *
 * - `libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x…)`: a library found on disk;
 * - `/lib64/ld-linux-x86-64.so.2 (0x…)`: the dynamic loader, named by absolute path;
 * - `linux-vdso.so.1 (0x…)` or `linux-gate.so.1 =>  (0x…)`: provided by the kernel, skipped;
 * - `libfoo.so.1 => not found`: collected, then reported all at once.
 *
 * A static program (`not a dynamic executable`, `statically linked`) loads nothing.
 * On musl, ldd reports the loader (which is also its libc) as `libc.musl-….so.1 => /lib/ld-musl-….so.1`;
 * it is recognised by its path. Each path appears once, in the order ldd printed.
 *
 * @param output what ldd wrote to stdout and stderr.
 * @param binary the program, for error messages.
 * @throws MissingLibraryError naming every library that was not found.
 * @throws Error for a line this parser does not understand, quoting it.
 */
export function parseLdd(output: string, binary: string): SharedLibrary[] {
  const libraries: SharedLibrary[] = [];
  const missing: string[] = [];
  const seen = new Set<string>();
  const add = (name: string, path: string, loader: boolean): void => {
    const normalized = posix.normalize(path);
    if (seen.has(normalized)) return;
    seen.add(normalized);
    libraries.push({ name, path: normalized, loader });
  };
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    if (STATIC_MARKERS.some((m) => line.includes(m))) return [];
    const arrow = /^(\S+)\s+=>\s*(.*)$/.exec(line);
    if (arrow) {
      const [, name = "", rest = ""] = arrow;
      if (rest.startsWith("not found")) {
        missing.push(name);
        continue;
      }
      const target = /^(\S+)?\s*(\(0x[0-9a-f]+\))?$/i.exec(rest);
      if (!target) throw unknownLine(binary, raw);
      const path = target[1];
      // `linux-gate.so.1 =>  (0x…)`: no path, the kernel maps it.
      if (path === undefined || !isAbsolute(path)) continue;
      add(name, path, /\/ld-(linux|musl)[^/]*\.so/.test(path));
      continue;
    }
    const bare = /^(\S+)\s+\(0x[0-9a-f]+\)$/i.exec(line);
    if (bare) {
      const [, path = ""] = bare;
      // Without a slash it is the vDSO (linux-vdso.so.1 and friends), which the kernel maps.
      if (isAbsolute(path)) add(posix.basename(path), path, true);
      continue;
    }
    throw unknownLine(binary, raw);
  }
  if (missing.length > 0) throw new MissingLibraryError(binary, missing);
  return libraries;
}

function unknownLine(binary: string, line: string): Error {
  return new Error(
    `cannot read the output of \`ldd ${binary}\`: unexpected line ${JSON.stringify(line)}. ` +
      "Expected `name => /path (0x…)`, `/path/to/loader (0x…)` or `name (0x…)`.",
  );
}

/**
 * The shared libraries `binary` loads, as reported by `ldd`, the loader included.
 * @throws MissingToolError without ldd; MissingLibraryError when some are not installed.
 */
export async function sharedLibraries(
  binary: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SharedLibrary[]> {
  const result = await run("ldd", [binary], {
    env,
    installHint: "apt-get install -y libc-bin (ldd ships with the C library)",
  });
  const output = `${result.stdout}\n${result.stderr}`;
  // ldd exits 1 for a static program; anything else non-zero is a real failure.
  if (result.code !== 0 && !STATIC_MARKERS.some((m) => output.includes(m))) {
    throw new Error(`\`ldd ${binary}\` exited with ${result.code}: ${output.trim()}`);
  }
  return parseLdd(output, binary);
}
