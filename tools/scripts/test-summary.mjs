#!/usr/bin/env node
// Adds up the jest results every workspace wrote to .test-results/*.json (restored by turbo on a
// cache hit, so a cached run reports the counts it cached) and prints one plain line:
// "N passed, N failed, N skipped". Exits 1 when a result file is unreadable or lists failures.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const workspaces = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;
let passed = 0;
let failed = 0;
let skipped = 0;
let suitesFailed = 0;
const rows = [];
for (const pattern of workspaces) {
  const base = pattern.replace(/\/\*$/, "");
  if (!existsSync(join(root, base))) continue;
  for (const dir of readdirSync(join(root, base))) {
    const resultsDir = join(root, base, dir, ".test-results");
    if (!existsSync(resultsDir)) continue;
    for (const file of readdirSync(resultsDir).filter((f) => f.endsWith(".json"))) {
      const r = JSON.parse(readFileSync(join(resultsDir, file), "utf8"));
      passed += r.numPassedTests;
      failed += r.numFailedTests;
      skipped += r.numPendingTests + (r.numTodoTests ?? 0);
      // A suite that failed to load has no failed tests but must still count as a failure.
      const broken = r.testResults.filter(
        (t) => t.status === "failed" && t.assertionResults.every((a) => a.status !== "failed"),
      ).length;
      suitesFailed += broken;
      failed += broken;
      rows.push(
        `${base}/${dir} ${file.replace(/\.json$/, "")}: ${r.numPassedTests} passed, ${r.numFailedTests + broken} failed`,
      );
    }
  }
}
for (const row of rows) console.log(`  ${row}`);
if (suitesFailed > 0)
  console.log(`  (${suitesFailed} test file(s) failed to run and are counted as failed)`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
