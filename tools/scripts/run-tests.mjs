#!/usr/bin/env node
// The whole test suite: typecheck, lint and unit tests of every workspace through turbo (cached
// when nothing changed), the Go tests of the toolchain's own plugin code (go-tests.mjs, seconds),
// the unit tests once more on each Node.js release of the matrix (nodeMatrixTier), then the
// integration tier against real local clusters (never cached), then one summary line.
// Usage: npm test [-- --unit-only] [-- --root DIR] [-- --node 22,24|none]
//
// The unit tier runs on the Node.js that runs this script (the system's, 20 here); the matrix
// runs jest itself (not through turbo, so nothing is cached and nothing is rebuilt) in every
// workspace with a `test` script on Node.js 22 and 24 from node-runtime.mjs, with the workspace
// dependencies the unit tier built. Typecheck and lint do not depend on the Node.js release and
// run once. `--node` picks the releases (`none`: the system's only, as the scripts' own tests
// do); by default a release of the running Node.js's major is left out, the unit tier ran on it.
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
import { dirname, join, resolve } from "node:path";
import { GO_RESULTS_FILE, goTestModules } from "./go-tests.mjs";
import { nodeBinary, NODE_RELEASES } from "./node-runtime.mjs";
import { matrixResultsFile, option, REPO_ROOT, workspaceDirs } from "./workspaces.mjs";

const argv = process.argv.slice(2);
const root = resolve(option(argv, "root") ?? REPO_ROOT);
const unitOnly = argv.includes("--unit-only");
const nodeMajors = matrixOf(option(argv, "node"));

/**
 * The Node.js majors of `--node` ("22,24", "none"). By default every release of the matrix but
 * the major running this script: the unit tier has just run on it (CI on Node.js 24 would
 * otherwise run the same tests twice on 24).
 */
function matrixOf(value) {
  if (value === undefined) {
    const running = process.versions.node.split(".")[0];
    return Object.keys(NODE_RELEASES).filter((m) => m !== running);
  }
  if (value === "none") return [];
  const majors = value.split(",").filter(Boolean);
  const unknown = majors.filter((m) => !(m in NODE_RELEASES));
  if (unknown.length > 0 || majors.length === 0) {
    console.error(
      `--node ${value}: use "none" or a comma-separated list of ${Object.keys(NODE_RELEASES).join(", ")}`,
    );
    process.exit(2);
  }
  return majors;
}

/** Removes every results file, so results come only from this run (turbo restores cached ones). */
function removeStaleResults() {
  for (const { dir, results } of workspaceDirs(root)) {
    const matrix = Object.keys(NODE_RELEASES).map(matrixResultsFile);
    const declared = Object.values(results).flat();
    for (const f of [".jest-unit.json", ".jest-integration.json", ...matrix, ...declared]) {
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

/**
 * The unit tests of every workspace on Node.js `major`: jest directly, one workspace after the
 * other, with that release first on PATH (so what a test starts with `node` or `npm` runs on
 * it too). Returns the exit status, and why the tier could not start ("" when it did).
 */
function nodeMatrixTier(major) {
  let binary;
  try {
    binary = nodeBinary(major);
  } catch (e) {
    console.error(`\n${e.message}`);
    return {
      status: 1,
      notRun: `Node.js ${major} could not be installed (${e.message.split("\n")[0]})`,
    };
  }
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|NODE$)/i.test(k)),
  );
  env.PATH = `${dirname(binary)}:${process.env.PATH ?? ""}`;
  const jest = join(root, "node_modules", "jest", "bin", "jest.js");
  let status = 0;
  for (const ws of workspaceDirs(root).filter((w) => w.scripts.test)) {
    const args = [jest, "--ci", "--json", `--outputFile=${matrixResultsFile(major)}`];
    console.log(`\n$ (cd ${ws.dir} && node${major} ${args.join(" ")})`);
    const r = spawnSync(binary, args, { cwd: join(root, ws.dir), env, stdio: "inherit" });
    status ||= r.status ?? 1;
  }
  return { status, notRun: "" };
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
let matrixStatus = 0;
for (const major of nodeMajors) {
  const started = Date.now();
  const tier = nodeMatrixTier(major);
  console.log(
    `Node.js ${NODE_RELEASES[major]}: unit tests took ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  matrixStatus ||= tier.status;
  summaryArgs.push("--node", major);
  if (tier.notRun) summaryArgs.push("--not-run", `test@node${major}=${tier.notRun}`);
}
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
process.exit(unit.status || goUnit || matrixStatus || integration.status || summary.status || 0);
