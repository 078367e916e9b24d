// The workspaces of a repository, as its root package.json lists them (`dir/*` patterns), each
// with its relative path, package name and scripts. Shared by run-tests.mjs and test-summary.mjs.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository root this script belongs to. */
export const REPO_ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The value of `--<name> <value>` in argv (the last one wins), or undefined.
 * @param {string[]} argv
 * @param {string} name
 */
export function option(argv, name) {
  const i = argv.lastIndexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/**
 * Every workspace under the root's `workspaces` patterns that has a package.json, in a stable
 * order: `{ dir, name, scripts, results }`, dir relative to the root ("packages/core").
 * `results` is the package.json's `testResults`: the results files a script writes when it is
 * more than the one its tier names (tests/real-node runs two jest configurations, each needing a
 * cluster of its own, and each must be counted, or missing, on its own).
 * @param {string} root
 */
export function workspaceDirs(root) {
  const patterns = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces ?? [];
  const out = [];
  for (const pattern of patterns) {
    const base = pattern.replace(/\/\*$/, "");
    if (!existsSync(join(root, base))) continue;
    for (const entry of readdirSync(join(root, base)).sort()) {
      const pkgFile = join(root, base, entry, "package.json");
      if (!existsSync(pkgFile)) continue;
      const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
      out.push({
        dir: `${base}/${entry}`,
        name: pkg.name,
        scripts: pkg.scripts ?? {},
        results: pkg.testResults ?? {},
      });
    }
  }
  return out;
}

/**
 * The results file the unit tests of a workspace write when they run on Node.js `major` in the
 * matrix (run-tests.mjs), next to the `.jest-unit.json` of the system's Node.js.
 * @param {string} major
 */
export function matrixResultsFile(major) {
  return `.jest-unit-node${major}.json`;
}
