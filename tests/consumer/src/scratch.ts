import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import * as ts from "typescript";
import type { RecordedResource } from "../fixture/urn";
import type { PackedPackage } from "./package-check";
import { FIXTURE_DIR, LIBRARY_PACKAGES, REPO_ROOT, type Manifest } from "./packages";
import { cleanEnv, run } from "./run";

/** What `npm pack --json` reports about one package. */
export interface PackResult {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the tarball. */
  readonly tarball: string;
  /** Size of the tarball in bytes. */
  readonly size: number;
  readonly unpackedSize: number;
  readonly entryCount: number;
}

/** What users install next to the packages: the peers, and what compiles their program. */
export const CONSUMER_DEPENDENCIES = [
  "@pulumi/pulumi@3.248.0",
  "@pulumi/kubernetes@4.25.0",
  `typescript@~${ts.version}`,
  "@types/node@^20.19.0",
];

/**
 * A fresh directory for one consumer test under the OS temp dir, outside the workspace, so
 * nothing in it can resolve a workspace link or the repository's node_modules.
 */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a {@link scratchDir}, unless STEADY_KEEP_CONSUMER=1 (then says where it is kept). */
export function removeScratchDir(dir: string, tag: string): void {
  if (process.env.STEADY_KEEP_CONSUMER !== "1") rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`[${tag}] kept ${dir}\n`);
}

/** Packs every library package (as built) into `dest` with `npm pack`, as `npm publish` would. */
export async function packLibraries(dest: string): Promise<PackResult[]> {
  mkdirSync(dest, { recursive: true });
  const out = await run(
    "npm",
    [
      "pack",
      "--json",
      "--pack-destination",
      dest,
      ...LIBRARY_PACKAGES.flatMap((p) => ["-w", `packages/${p.dir}`]),
    ],
    { cwd: REPO_ROOT },
  );
  const reports = JSON.parse(out) as (Omit<PackResult, "tarball"> & { filename: string })[];
  return reports.map((r) => ({
    name: r.name,
    version: r.version,
    tarball: join(dest, r.filename),
    size: r.size,
    unpackedSize: r.unpackedSize,
    entryCount: r.entryCount,
  }));
}

/** Every file under `dir`, relative, with "/" separators. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p).split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

/** A package directory on disk (an unpacked tarball, or an installed package) as a {@link PackedPackage}. */
export function packageAt(dir: string): PackedPackage {
  return {
    manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest,
    files: listFiles(dir),
    read: (p) => readFileSync(join(dir, p), "utf8"),
  };
}

/** Unpacks a tarball into `dir` (its contents end up in `dir/package`) and returns that directory. */
export async function unpack(tarball: string, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await run("tar", ["-xzf", tarball, "-C", dir], { cwd: dir });
  return join(dir, "package");
}

/**
 * `npm install` in the project `dir` of `specs` (tarball paths and registry specs) as users
 * install: with the `npm` and Node.js on the PATH of `env`, without install scripts (the
 * consumer tier tests what the packages ship, and @pulumi/kubernetes's script downloads a plugin
 * from GitHub, which this network does not reach), from the npm cache when warm.
 */
export async function installTarballs(
  dir: string,
  specs: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  await run(
    "npm",
    ["install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", ...specs],
    { cwd: dir, env },
  );
}

/**
 * Makes a project outside the workspace the way a platform team would: its own package.json, the
 * tarballs plus the peers installed from the registry (the npm cache when warm), no install
 * scripts, and the fixture program copied in.
 */
export async function createConsumerProject(
  dir: string,
  tarballs: readonly string[],
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "package.json"),
    `${JSON.stringify({ name: "steady-consumer", version: "0.0.0", private: true }, null, 2)}\n`,
  );
  await installTarballs(dir, [...tarballs, ...CONSUMER_DEPENDENCIES], cleanEnv());
  for (const f of readdirSync(FIXTURE_DIR, { withFileTypes: true }))
    if (f.isFile()) copyFileSync(join(FIXTURE_DIR, f.name), join(dir, f.name));
}

/** Compiles the fixture program in the consumer project with its own TypeScript, strict. */
export async function compileProgram(dir: string): Promise<void> {
  await run(join(dir, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: dir });
}

/** Runs the compiled program under mocks in the consumer project with `config`; see fixture/record.ts. */
export async function recordInProject(
  dir: string,
  config: Readonly<Record<string, string>>,
): Promise<RecordedResource[]> {
  const out = await run(process.execPath, ["dist/record-cli.js", JSON.stringify(config)], {
    cwd: dir,
  });
  return JSON.parse(out) as RecordedResource[];
}
