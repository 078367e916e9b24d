#!/usr/bin/env node
// Adds up the jest results every workspace wrote (.jest-unit.json, and .jest-integration.json
// unless --unit-only; turbo restores cached ones on a cache hit, so a cached run reports the
// counts it cached) and the Go tests' results in the same shape (<module>/.go-test.json, written
// by go-tests.mjs), and prints one plain line: "N passed, N failed[, N skipped]".
// A workspace with a test script, or a Go test module, without a results file counts as one
// failure: a tier that did not run is never reported green. Exits 1 when anything failed.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GO_RESULTS_FILE, GO_TEST_MODULES } from "./go-tests.mjs";

const root = new URL("../..", import.meta.url).pathname;
const unitOnly = process.argv.includes("--unit-only");
const tiers = [
  ["test", ".jest-unit.json"],
  ...(unitOnly ? [] : [["test:integration", ".jest-integration.json"]]),
];
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;
let passed = 0;
let failed = 0;
let skipped = 0;

/** Adds one results file (jest's --json shape) to the counts, as `where`. */
function count(where, path) {
  if (!existsSync(path)) {
    failed += 1;
    console.log(
      `  ${where}: no results (the tests did not run or did not finish): counted as 1 failed`,
    );
    return;
  }
  const r = JSON.parse(readFileSync(path, "utf8"));
  // A test file that failed to load has no failed test but must still count as a failure.
  const broken = r.testResults.filter(
    (t) => t.status === "failed" && t.assertionResults.every((a) => a.status !== "failed"),
  ).length;
  passed += r.numPassedTests;
  failed += r.numFailedTests + broken;
  skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  const note = broken ? ` (${broken} file(s) failed to run)` : "";
  console.log(`  ${where}: ${r.numPassedTests} passed, ${r.numFailedTests + broken} failed${note}`);
}

for (const pattern of workspaces) {
  const base = pattern.replace(/\/\*$/, "");
  if (!existsSync(join(root, base))) continue;
  for (const dir of readdirSync(join(root, base)).sort()) {
    const pkgFile = join(root, base, dir, "package.json");
    if (!existsSync(pkgFile)) continue;
    const scripts = JSON.parse(readFileSync(pkgFile, "utf8")).scripts ?? {};
    for (const [script, file] of tiers) {
      if (!scripts[script]) continue;
      count(`${base}/${dir} ${script}`, join(root, base, dir, file));
    }
  }
}
for (const dir of GO_TEST_MODULES) count(`${dir} go test`, join(root, dir, GO_RESULTS_FILE));
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
