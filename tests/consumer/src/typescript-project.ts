import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONSUMER_DIR, REPO_ROOT } from "./packages";
import { cleanEnv, run } from "./run";
import { installTarballs } from "./scratch";

/**
 * What the newest-SDK consumer installs next to the packages: the newest @pulumi/pulumi (3.249
 * and later need Node.js 22) and @pulumi/kubernetes on the npm registry, and what
 * `pulumi new typescript` adds for ts-node (TypeScript, Node's types).
 */
export const NEWEST_SDK_DEPENDENCIES = [
  "@pulumi/pulumi@3.276.0",
  "@pulumi/kubernetes@4.34.2",
  "typescript@~5.9.3",
  "@types/node@^24",
];

/** The program in Pulumi's default TypeScript layout (Pulumi.yaml, index.ts, tsconfig.json). */
export const TS_FIXTURE_DIR = join(CONSUMER_DIR, "fixture-ts");

/**
 * The bin directory of the matrix's Node.js `major` (tools/scripts/node-runtime.mjs installs it
 * into its cache outside the repository when missing, and fails naming what went wrong).
 */
export async function nodeBinDir(major: string): Promise<string> {
  const script = join(REPO_ROOT, "tools", "scripts", "node-runtime.mjs");
  return (await run(process.execPath, [script, major, "--dir"], { cwd: REPO_ROOT })).trim();
}

/** A value of the toolchain's versions.env (the one place its versions are written). */
export function toolchainVersion(key: string): string {
  const file = join(REPO_ROOT, "tools", "toolchain", "versions.env");
  const line = readFileSync(file, "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${key}=`));
  if (!line) throw new Error(`${file} has no ${key}= line`);
  return line.slice(key.length + 1).trim();
}

/**
 * The environment with `binDir` (a Node.js release's) first on PATH, so `npm`, `npx` and the
 * `node` the Pulumi language host starts all run on that release.
 */
export function envWithNode(binDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  delete env.NODE;
  env.PATH = `${binDir}:${extra.PATH ?? process.env.PATH ?? ""}`;
  return env;
}

/**
 * Makes a project the way `pulumi new typescript` lays it out, outside the workspace: a
 * package.json whose `main` is index.ts, the fixture's Pulumi.yaml, tsconfig.json and index.ts,
 * then {@link installTarballs} (on the Node.js of `env`) of the tarballs and the newest SDKs.
 * Without install scripts, @pulumi/kubernetes does not run `pulumi plugin install resource
 * kubernetes 4.34.2`: the test installs the toolchain's plugin release instead (see the
 * integration test).
 */
export async function createTypeScriptProject(
  dir: string,
  tarballs: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const manifest = { name: "steady-consumer-ts", main: "index.ts", private: true };
  writeFileSync(join(dir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of readdirSync(TS_FIXTURE_DIR)) copyFileSync(join(TS_FIXTURE_DIR, f), join(dir, f));
  await installTarballs(dir, [...tarballs, ...NEWEST_SDK_DEPENDENCIES], env);
}
