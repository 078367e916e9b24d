#!/usr/bin/env node
// The whole test suite: typecheck, lint and unit tests of every workspace through turbo (cached
// when nothing changed), the Go tests of the toolchain's own plugin code (go-tests.mjs, seconds),
// then the integration tier against real local clusters (never cached), then one summary line.
// Usage: npm test [-- --unit-only]
//
// Before the integration tier it makes sure of what that tier runs: the toolchain built from Go
// modules (tools/toolchain/build.sh; under a second when cached) and the Debian packages of the
// real node, the image tool and the workflow lint (tools/toolchain/install-node-runtime.sh; needs
// root to install, as CI has). A missing piece fails the run; nothing is skipped.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { GO_RESULTS_FILE, GO_TEST_MODULES } from "./go-tests.mjs";

const root = new URL("../..", import.meta.url).pathname;
const unitOnly = process.argv.includes("--unit-only");

// Results come only from this run: stale files are removed, turbo restores cached ones.
for (const base of ["packages", "apps", "stacks", "tools", "tests"]) {
  if (!existsSync(join(root, base))) continue;
  for (const dir of readdirSync(join(root, base))) {
    for (const f of [".jest-unit.json", ".jest-integration.json"]) {
      rmSync(join(root, base, dir, f), { force: true });
    }
  }
}
for (const dir of GO_TEST_MODULES) rmSync(join(root, dir, GO_RESULTS_FILE), { force: true });

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  return r.status ?? 1;
}

const unit = run("npx", [
  "turbo",
  "run",
  "typecheck",
  "lint",
  "test",
  "--output-logs=errors-only",
  "--continue",
]);
const goUnit = run(process.execPath, [join(root, "tools/scripts/go-tests.mjs")]);
let integration = 0;
if (!unitOnly) {
  const prepared =
    run("bash", [join(root, "tools/toolchain/build.sh")]) ||
    run("bash", [join(root, "tools/toolchain/install-node-runtime.sh")]);
  if (prepared !== 0) {
    console.error(
      "\nthe integration tier cannot run: the toolchain or the system packages are missing (see above)",
    );
  }
  integration = prepared;
}
if (!unitOnly && integration === 0) {
  // Real clusters and real `pulumi up`: one workspace at a time (2 cores).
  integration = run("npx", ["turbo", "run", "test:integration", "--concurrency=1", "--continue"]);
}
const summary = spawnSync(
  process.execPath,
  [join(root, "tools/scripts/test-summary.mjs"), ...(unitOnly ? ["--unit-only"] : [])],
  { cwd: root, stdio: "inherit" },
);
process.exit(unit || goUnit || integration || summary.status || 0);
