#!/usr/bin/env node
// The Go tests of the project's own Go code: the toolchain's Node.js language host and what the
// plugin mains share (pluginexit). They run on loopback only, in seconds. Each module's results
// are written as <module>/.go-test.json in the shape of jest's --json output, so that
// test-summary.mjs counts them like every other tier. Usage: node tools/scripts/go-tests.mjs [--root DIR]
//
// The Kubernetes provider module is not listed: its main only stamps the schema and calls
// pluginexit (tested here) and the provider's Serve, and compiling its test binary means
// compiling the whole provider again without build.sh's flags (about 10 minutes on 2 cores).
// The integration tier's plugin-exit drill runs the built provider instead.
import { spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** Module directories whose `go test ./...` belongs to the suite, relative to the repository. */
export const GO_TEST_MODULES = [
  "tools/toolchain/pluginexit",
  "tools/toolchain/pulumi-language-nodejs",
];

/** The results file each module's run writes into its directory. */
export const GO_RESULTS_FILE = ".go-test.json";

/**
 * Turns `go test -json` events into jest's result shape: every leaf test (a test without
 * subtests) is one assertion, every package one test file. A package that failed without a
 * failing test (it did not build, or a test binary crashed) is a failed file with no failed
 * assertion, which test-summary.mjs counts as "failed to run".
 */
export function summarize(events, exitStatus) {
  const tests = new Map(); // "pkg\0name" -> last action
  const packages = new Map(); // pkg -> last action
  for (const e of events) {
    if (!["pass", "fail", "skip"].includes(e.Action) || !e.Package) continue;
    if (e.Test) tests.set(`${e.Package}\0${e.Test}`, e.Action);
    else packages.set(e.Package, e.Action);
  }
  const leaves = [...tests.keys()].filter(
    (k) => ![...tests.keys()].some((o) => o.startsWith(`${k}/`)),
  );
  const count = (a) => leaves.filter((k) => tests.get(k) === a).length;
  const testResults = [...packages].map(([pkg, action]) => ({
    name: pkg,
    status: action === "fail" ? "failed" : "passed",
    assertionResults: leaves
      .filter((k) => k.startsWith(`${pkg}\0`))
      .map((k) => ({
        fullName: k.split("\0")[1],
        status: { pass: "passed", fail: "failed", skip: "pending" }[tests.get(k)],
      })),
  }));
  if (exitStatus !== 0 && !testResults.some((t) => t.status === "failed")) {
    // go itself failed before any package ran (a go.mod error, go missing).
    testResults.push({ name: "go test", status: "failed", assertionResults: [] });
  }
  return {
    numPassedTests: count("pass"),
    numFailedTests: count("fail"),
    numPendingTests: count("skip"),
    testResults,
  };
}

/** Runs one module's tests, prints what failed, writes its results file and returns them. */
export function runModule(root, dir) {
  console.log(`\n$ (cd ${dir} && go test -json -count=1 ./...)`);
  const r = spawnSync("go", ["test", "-json", "-count=1", "./..."], {
    cwd: join(root, dir),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    // Like build.sh: this module's go.mod alone decides what is built.
    env: { ...process.env, GOFLAGS: "", GOWORK: "off", GOTOOLCHAIN: "local" },
  });
  if (r.error) {
    console.error(
      `go could not be run (${r.error.message}): install Go 1.26 or newer (see tools/toolchain/README.md)`,
    );
  }
  const events = (r.stdout ?? "").split("\n").flatMap((l) => {
    try {
      return l.startsWith("{") ? [JSON.parse(l)] : [];
    } catch {
      return [];
    }
  });
  printFailures(events);
  if (r.stderr) process.stderr.write(r.stderr);
  const results = summarize(events, r.error ? 1 : (r.status ?? 1));
  writeFileSync(join(root, dir, GO_RESULTS_FILE), JSON.stringify(results));
  const broken = results.testResults.filter(
    (t) => t.status === "failed" && t.assertionResults.every((a) => a.status !== "failed"),
  ).length;
  console.log(
    `${dir}: ${results.numPassedTests} passed, ${results.numFailedTests + broken} failed`,
  );
  return results;
}

/** Prints the output of failed tests and of packages that failed to build. */
function printFailures(events) {
  const output = new Map();
  for (const e of events) {
    const key = `${e.Package ?? e.ImportPath}\0${e.Test ?? ""}`;
    if (e.Action === "output" || e.Action === "build-output")
      output.set(key, (output.get(key) ?? "") + e.Output);
    if (e.Action === "fail" || e.Action === "build-fail")
      process.stdout.write(output.get(key) ?? "");
  }
}

/** The Go test modules that `root` has (a fixture repository for the scripts' tests has none). */
export function goTestModules(root) {
  return GO_TEST_MODULES.filter((dir) => existsSync(join(root, dir, "go.mod")));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const at = argv.indexOf("--root");
  const root = at >= 0 ? resolve(argv[at + 1]) : new URL("../..", import.meta.url).pathname;
  let failed = false;
  for (const dir of goTestModules(root)) {
    const r = runModule(root, dir);
    failed ||= r.numFailedTests > 0 || r.testResults.some((t) => t.status === "failed");
  }
  process.exit(failed ? 1 : 0);
}
