#!/usr/bin/env node
// The whole test suite: typecheck, lint and unit tests of every workspace through turbo (cached
// when nothing changed), then the integration tier against a real cluster, then one summary line.
// Usage: npm test [-- --unit-only]
import { spawnSync } from "node:child_process";
import { rmSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";

const root = new URL("../..", import.meta.url).pathname;
const unitOnly = process.argv.includes("--unit-only");

// Results come only from this run: stale files are removed, turbo restores cached ones.
for (const base of ["packages", "apps", "stacks", "tools"]) {
  if (!existsSync(join(root, base))) continue;
  for (const dir of readdirSync(join(root, base)))
    rmSync(join(root, base, dir, ".test-results"), { recursive: true, force: true });
}

function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(" ")}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  return r.status ?? 1;
}

let status = run("npx", [
  "turbo",
  "run",
  "typecheck",
  "lint",
  "test",
  "--output-logs=errors-only",
  "--continue",
]);
if (!unitOnly) {
  // Real clusters and real `pulumi up`: never cached, one workspace at a time (2 cores).
  const integration = run("npx", ["turbo", "run", "test:integration", "--concurrency=1", "--continue"]);
  status = status || integration;
}
const summary = spawnSync(process.execPath, [join(root, "tools/scripts/test-summary.mjs")], {
  cwd: root,
  stdio: "inherit",
});
process.exit(status || summary.status || 0);
