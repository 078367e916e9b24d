#!/usr/bin/env node
// The whole test suite: typecheck, lint and unit tests of every workspace through turbo (cached
// when nothing changed), the Go tests of the toolchain's own plugin code (go-tests.mjs, seconds),
// then the integration tier against real local clusters (never cached), then one summary line.
// Usage: npm test [-- --unit-only] [-- --root DIR]
//
// Before the integration tier it makes sure of what that tier runs: the toolchain built from Go
// modules (tools/toolchain/build.sh; under a second when cached) and the Debian packages of the
// real node, the image tool and the workflow lint (tools/toolchain/install-node-runtime.sh; needs
// root to install, as CI has). A missing piece fails the run; nothing is skipped.
//
// Each step hands test-summary.mjs what it needs to count: every turbo run writes a run summary
// (`--summarize`, the exit code of every task: how typecheck and lint are counted), jest writes
// .jest-*.json per workspace, and a tier that could not start is passed as `--not-run`.
// --root runs the suite of another repository laid out the same way (the scripts' own tests).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { GO_RESULTS_FILE, goTestModules } from "./go-tests.mjs";
import { option, REPO_ROOT, workspaceDirs } from "./workspaces.mjs";

const argv = process.argv.slice(2);
const root = resolve(option(argv, "root") ?? REPO_ROOT);
const unitOnly = argv.includes("--unit-only");

/** Removes every results file, so results come only from this run (turbo restores cached ones). */
function removeStaleResults() {
  for (const { dir } of workspaceDirs(root)) {
    for (const f of [".jest-unit.json", ".jest-integration.json"]) {
      rmSync(join(root, dir, f), { force: true });
    }
  }
  for (const dir of goTestModules(root)) rmSync(join(root, dir, GO_RESULTS_FILE), { force: true });
}

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  return r.status ?? 1;
}

/**
 * `turbo run <args> --summarize`; returns its exit status and the run summary it wrote (the
 * one new file in .turbo/runs), or "" when it wrote none.
 */
function turboRun(args) {
  const runs = join(root, ".turbo", "runs");
  const list = () => (existsSync(runs) ? readdirSync(runs) : []);
  const before = new Set(list());
  const status = run("npx", ["turbo", "run", ...args, "--summarize"]);
  const added = list().filter((f) => !before.has(f) && f.endsWith(".json"));
  return { status, summary: added.length === 1 ? join(runs, added[0]) : "" };
}

/** typecheck, lint and unit tests of every workspace. */
function unitTier() {
  return turboRun(["typecheck", "lint", "test", "--output-logs=errors-only", "--continue"]);
}

/** `go test` of the toolchain's own Go modules; each writes its results for the summary. */
function goTier() {
  return run(process.execPath, [join(REPO_ROOT, "tools/scripts/go-tests.mjs"), "--root", root]);
}

/** The toolchain and system packages the integration tier needs; "" when ready, else why not. */
function prepareIntegration() {
  const failed =
    run("bash", [join(root, "tools/toolchain/build.sh")]) ||
    run("bash", [join(root, "tools/toolchain/install-node-runtime.sh")]);
  return failed
    ? "the toolchain or the system packages are missing (tools/toolchain/build.sh or install-node-runtime.sh failed, see above)"
    : "";
}

/** Real clusters and real `pulumi up`: one workspace at a time (2 cores). */
function integrationTier() {
  return turboRun(["test:integration", "--concurrency=1", "--continue"]);
}

removeStaleResults();
const summaryArgs = unitOnly ? ["--unit-only"] : [];
const unit = unitTier();
summaryArgs.push("--turbo", `unit=${unit.summary}`);
const goUnit = goTier();
let integration = { status: 0 };
if (!unitOnly) {
  const notReady = prepareIntegration();
  if (notReady) {
    console.error(`\nthe integration tier cannot run: ${notReady}`);
    integration = { status: 1 };
    summaryArgs.push("--not-run", `test:integration=${notReady}`);
  } else {
    integration = integrationTier();
    summaryArgs.push("--turbo", `integration=${integration.summary}`);
  }
}
const summary = spawnSync(
  process.execPath,
  [join(REPO_ROOT, "tools/scripts/test-summary.mjs"), "--root", root, ...summaryArgs],
  { cwd: root, stdio: "inherit" },
);
// The run summaries were only for the line: do not let them pile up in .turbo/runs.
for (const path of [unit.summary, integration.summary]) if (path) rmSync(path, { force: true });
process.exit(unit.status || goUnit || integration.status || summary.status || 0);
