#!/usr/bin/env node
// Counts every check of a test run and prints one plain line: "N passed, N failed[, N skipped]".
// Exits 1 when anything failed. run-tests.mjs calls it; by hand:
//
//   node tools/scripts/test-summary.mjs [--unit-only] [--root DIR] [--node MAJOR]...
//        [--turbo LABEL=RUN_SUMMARY.json]... [--not-run SCRIPT=REASON]...
//
// What counts, one source per function below:
// - jest tests (jestResults): each test in the .jest-unit.json / .jest-integration.json every
//   workspace with a `test` / `test:integration` script wrote (turbo restores cached ones, so a
//   cached run reports the counts it cached). A file that failed to load counts as one failed.
//   A workspace with the script but no results counts as one failed: a tier that did not run is
//   never reported green.
// - the unit tests on each Node.js release of the matrix (`--node 24`, matrixResults): the same,
//   from each workspace's .jest-unit-node<major>.json, counted apart from the system Node.js's
//   ("packages/core test (Node.js 24.22.3)"); `--not-run test@node24=REASON` when that release
//   could not be installed.
// - typecheck and lint (turboTaskResults): each workspace's typecheck and each workspace's lint
//   is one check, passed or failed by the exit code in turbo's run summary (`--turbo`; a cache
//   hit is a pass turbo replayed). A workspace with the script but no such task in the summary,
//   or a summary that is missing, counts as failed. Both are counted as passed too, because
//   each is a check that could have failed; a build only counts when it fails (a build is a
//   prerequisite, not a check), and so does a test task that exited non-zero although jest
//   reported no failed test (e.g. a failing globalTeardown).
// - Go tests (goResults): each leaf test of the toolchain's Go modules, from the .go-test.json
//   go-tests.mjs wrote in jest's shape; a module without results counts as one failed.
// - tiers that did not run (tierNotRun, `--not-run`): each workspace with that script counts as
//   one failed, with the reason.
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { GO_RESULTS_FILE, goTestModules } from "./go-tests.mjs";
import { NODE_RELEASES } from "./node-runtime.mjs";
import { matrixResultsFile, option, REPO_ROOT, workspaceDirs } from "./workspaces.mjs";

/** The turbo tasks counted as one check each, passed or failed. */
const CHECK_TASKS = ["typecheck", "lint"];
/** The jest tiers: script name and the results file it writes. */
const JEST_TIERS = { test: ".jest-unit.json", "test:integration": ".jest-integration.json" };

/**
 * @typedef {{ where: string, passed: number, failed: number, skipped: number, note: string }} Result
 * One line of the report: `where` ("packages/core test"), its counts and what they mean.
 */

/** @returns {Result} */
function result(where, passed, failed, note, skipped = 0) {
  return { where, passed, failed, skipped, note };
}

/**
 * Jest results of one tier (`script`) of every workspace that has it.
 * @returns {Result[]}
 */
export function jestResults(root, workspaces, script, file = JEST_TIERS[script], label = "") {
  const out = [];
  for (const ws of workspaces.filter((w) => w.scripts[script])) {
    const files = file === JEST_TIERS[script] ? (ws.results?.[script] ?? [file]) : [file];
    for (const f of files) {
      out.push(
        resultsOf(join(root, ws.dir, f), `${ws.dir} ${script}${label}`, files.length > 1 ? f : ""),
      );
    }
  }
  return out;
}

/** The results in `path`, or 1 failed when the file is missing. @returns {Result} */
function resultsOf(path, tier, file) {
  const where = file ? `${tier} (${file})` : tier;
  if (!existsSync(path)) {
    return result(
      where,
      0,
      1,
      "no results (the tests did not run or did not finish): counted as 1 failed",
    );
  }
  return resultsFile(where, path);
}

/** One results file in jest's --json shape (jest's own, or go-tests.mjs's). @returns {Result} */
function resultsFile(where, path) {
  const r = JSON.parse(readFileSync(path, "utf8"));
  // A test file that failed to load has no failed test but must still count as a failure.
  const broken = r.testResults.filter(
    (t) => t.status === "failed" && t.assertionResults.every((a) => a.status !== "failed"),
  ).length;
  const failed = r.numFailedTests + broken;
  const note = `${r.numPassedTests} passed, ${failed} failed${broken ? ` (${broken} file(s) failed to run)` : ""}`;
  return result(where, r.numPassedTests, failed, note, r.numPendingTests + (r.numTodoTests ?? 0));
}

/**
 * The unit tests of every workspace on Node.js `major` of the matrix, or, when that release
 * could not be installed (`notRun`), one failure per workspace with the reason.
 * @returns {Result[]}
 */
export function matrixResults(root, workspaces, major, notRun) {
  const label = ` (Node.js ${NODE_RELEASES[major] ?? major})`;
  if (notRun === undefined) {
    return jestResults(root, workspaces, "test", matrixResultsFile(major), label);
  }
  return tierNotRun(workspaces, "test", notRun).map((r) => ({ ...r, where: r.where + label }));
}

/**
 * The Go tests of every Go test module the repository has (go-tests.mjs wrote their results in
 * jest's shape); a module without results counts as one failed.
 * @returns {Result[]}
 */
export function goResults(root) {
  return goTestModules(root).map((dir) => {
    const path = join(root, dir, GO_RESULTS_FILE);
    return existsSync(path)
      ? resultsFile(`${dir} go test`, path)
      : result(`${dir} go test`, 0, 1, "no results (go test did not run): counted as 1 failed");
  });
}

/**
 * A turbo run summary: the tasks the command asked for, and every task it ran by
 * "<workspace dir> <task>"; undefined when there is none.
 */
function readTurboSummary(path) {
  if (!path || !existsSync(path)) return undefined;
  const s = JSON.parse(readFileSync(path, "utf8"));
  // "turbo run typecheck lint test --continue ...": the task names before the first option.
  const words = String(s.execution?.command ?? "").split(/\s+/);
  const after = words.slice(words.indexOf("run") + 1);
  const firstOption = after.findIndex((w) => w.startsWith("-"));
  const requested = firstOption < 0 ? after : after.slice(0, firstOption);
  const tasks = new Map((s.tasks ?? []).map((t) => [`${t.directory} ${t.task}`, t]));
  return { requested, tasks };
}

/** Exit code of a task in a run summary; undefined when it never ran. */
const exitCodeOf = (task) => task?.execution?.exitCode;

/**
 * Each typecheck and lint the run asked for, one check per workspace that has the script.
 * @returns {Result[]}
 */
function checkTaskResults(workspaces, run) {
  const out = [];
  for (const task of CHECK_TASKS.filter((t) => run.requested.includes(t))) {
    for (const ws of workspaces.filter((w) => w.scripts[task])) {
      const where = `${ws.dir} ${task}`;
      const code = exitCodeOf(run.tasks.get(where));
      if (code === 0) out.push(result(where, 1, 0, "passed"));
      else if (code === undefined)
        out.push(result(where, 0, 1, "did not run: counted as 1 failed"));
      else out.push(result(where, 0, 1, `failed (exit ${code})`));
    }
  }
  return out;
}

/**
 * Every other task that failed (a build, or a test task whose failure jest does not show), as
 * one failure each.
 * @returns {Result[]}
 */
function otherFailedTasks(run, jest, counted) {
  const out = [];
  for (const [where, t] of run.tasks) {
    const code = exitCodeOf(t);
    if (CHECK_TASKS.includes(t.task) || code === 0 || code === undefined) continue;
    // Counted by jest already, or (a build both runs needed) by an earlier run.
    if ((jest.get(where)?.failed ?? 0) > 0 || counted.has(where)) continue;
    counted.add(where);
    const why = t.task in JEST_TIERS ? " although jest reported no failed test" : "";
    out.push(result(where, 0, 1, `failed (exit ${code})${why}: counted as 1 failed`));
  }
  return out;
}

/**
 * The outcome of the turbo runs (`runs`: `[label, summaryPath]`): typecheck and lint as
 * checks, any other failed task as a failure unless `jest` (results by where) counts it.
 * @returns {Result[]}
 */
export function turboTaskResults(workspaces, runs, jest) {
  const counted = new Set();
  return runs.flatMap(([label, path]) => {
    const run = readTurboSummary(path);
    if (!run)
      return [result(`turbo run (${label})`, 0, 1, "wrote no run summary: counted as 1 failed")];
    return [...checkTaskResults(workspaces, run), ...otherFailedTasks(run, jest, counted)];
  });
}

/**
 * A tier that did not run at all: one failure per workspace that has its script.
 * @returns {Result[]}
 */
export function tierNotRun(workspaces, script, reason) {
  return workspaces
    .filter((w) => w.scripts[script])
    .map((w) => result(`${w.dir} ${script}`, 0, 1, `did not run: ${reason}: counted as 1 failed`));
}

/** The one line: "N passed, N failed[, N skipped]". */
export function totalsLine(results) {
  const sum = (k) => results.reduce((n, r) => n + r[k], 0);
  const skipped = sum("skipped");
  return `${sum("passed")} passed, ${sum("failed")} failed${skipped ? `, ${skipped} skipped` : ""}`;
}

/** Every result of the run the arguments describe. */
export function collect(root, argv) {
  const workspaces = workspaceDirs(root);
  const notRun = new Map(pairs(argv, "not-run"));
  const scripts = argv.includes("--unit-only") ? ["test"] : ["test", "test:integration"];
  const jest = scripts.flatMap((s) =>
    notRun.has(s) ? tierNotRun(workspaces, s, notRun.get(s)) : jestResults(root, workspaces, s),
  );
  const byWhere = new Map(jest.map((r) => [r.where, r]));
  const matrix = values(argv, "node").flatMap((major) =>
    matrixResults(root, workspaces, major, notRun.get(`test@node${major}`)),
  );
  return [
    ...jest,
    ...matrix,
    ...goResults(root),
    ...turboTaskResults(workspaces, pairs(argv, "turbo"), byWhere),
  ];
}

/** Every value of a repeated `--<name> VALUE` in argv. */
function values(argv, name) {
  return argv.flatMap((a, i) =>
    a === `--${name}` && argv[i + 1] !== undefined ? [argv[i + 1]] : [],
  );
}

/** Every `--<name> KEY=VALUE` of argv as [KEY, VALUE]. */
function pairs(argv, name) {
  const out = [];
  argv.forEach((a, i) => {
    if (a !== `--${name}` || argv[i + 1] === undefined) return;
    const v = argv[i + 1];
    const eq = v.indexOf("=");
    out.push(eq < 0 ? [v, ""] : [v.slice(0, eq), v.slice(eq + 1)]);
  });
  return out;
}

function main() {
  const argv = process.argv.slice(2);
  const root = resolve(option(argv, "root") ?? REPO_ROOT);
  const results = collect(root, argv);
  const checks = results.filter((r) => / (typecheck|lint)$/.test(r.where));
  for (const r of results) {
    // Passing typechecks and lints are summed on one line; everything else gets its own.
    if (checks.includes(r) && r.failed === 0) continue;
    console.log(`  ${r.where}: ${r.note}`);
  }
  if (checks.length > 0) {
    console.log(`  typecheck and lint: ${totalsLine(checks)} (one check per workspace and task)`);
  }
  console.log(totalsLine(results));
  return results.some((r) => r.failed > 0) ? 1 : 0;
}

if (resolve(process.argv[1] ?? "") === resolve(new URL(import.meta.url).pathname)) {
  process.exit(main());
}
