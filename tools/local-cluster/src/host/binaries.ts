import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { defaultToolchainDir } from "@steady/deploy";
import { COMPONENTS } from "../paths";

/** The toolchain's bin directory: `${STEADY_TOOLCHAIN_DIR:-$HOME/.cache/steady/toolchain}/bin`. */
export function toolchainBinDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(defaultToolchainDir(env), "bin");
}

/** A binary the cluster needs is neither in the toolchain nor on PATH. */
export class MissingBinaryError extends Error {
  constructor(
    readonly binary: string,
    readonly searched: readonly string[],
  ) {
    super(
      `${binary} not found. Looked in ${searched[0]} (the steady toolchain)` +
        (searched.length > 1 ? ` and on PATH (${searched.slice(1).join(delimiter)})` : "") +
        `. Fix: run \`npm run toolchain\` (tools/toolchain/build.sh) to build it.`,
    );
    this.name = "MissingBinaryError";
  }
}

/** Whether `path` is an executable regular file. */
export function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Absolute path of `name`: the toolchain's bin directory first, then PATH.
 * @throws MissingBinaryError naming the binary, where it looked and how to build it.
 */
export function findBinary(name: string, env: NodeJS.ProcessEnv = process.env): string {
  const toolchain = toolchainBinDir(env);
  const pathDirs = (env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  for (const dir of [toolchain, ...pathDirs]) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  throw new MissingBinaryError(name, [toolchain, ...pathDirs]);
}

/** Binaries `up` needs, resolved all at once so one run reports every missing one. */
export const CLUSTER_BINARIES = COMPONENTS;
export type ClusterBinary = (typeof CLUSTER_BINARIES)[number];

export function findClusterBinaries(
  env: NodeJS.ProcessEnv = process.env,
): Record<ClusterBinary, string> {
  const found: Partial<Record<ClusterBinary, string>> = {};
  const missing: MissingBinaryError[] = [];
  for (const name of CLUSTER_BINARIES) {
    try {
      found[name] = findBinary(name, env);
    } catch (e) {
      if (e instanceof MissingBinaryError) missing.push(e);
      else throw e;
    }
  }
  if (missing.length === 1) throw missing[0];
  if (missing.length > 1) {
    const names = missing.map((m) => m.binary);
    const err = new MissingBinaryError(names.join(", "), missing[0]!.searched);
    throw err;
  }
  return found as Record<ClusterBinary, string>;
}
