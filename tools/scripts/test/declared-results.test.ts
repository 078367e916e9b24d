import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

type Line = { where: string; passed: number; failed: number };

/**
 * test-summary.mjs's jestResults over `workspaces` under `root`. The script is plain ESM run by
 * node, which jest (CommonJS here) cannot import, so a node process calls it.
 */
function jestResults(root: string, workspaces: unknown[], script: string): Line[] {
  const url = pathToFileURL(join(__dirname, "..", "test-summary.mjs")).href;
  const code = `import { jestResults } from ${JSON.stringify(url)};
console.log(JSON.stringify(jestResults(${JSON.stringify(root)}, ${JSON.stringify(workspaces)}, ${JSON.stringify(script)})));`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`jestResults failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Line[];
}

/** A jest --json results file with `passed` passing and `failed` failing tests. */
function jestJson(passed: number, failed: number): string {
  const assertionResults = [
    ...Array.from({ length: passed }, () => ({ status: "passed" })),
    ...Array.from({ length: failed }, () => ({ status: "failed" })),
  ];
  return JSON.stringify({
    numPassedTests: passed,
    numFailedTests: failed,
    numPendingTests: 0,
    testResults: [{ status: failed ? "failed" : "passed", assertionResults }],
  });
}

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "steady-declared-"));
  mkdirSync(join(root, "tests", "two"), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const twoConfigs = {
  dir: "tests/two",
  name: "two",
  scripts: { "test:integration": "jest; jest -c other" },
  results: { "test:integration": [".jest-integration.json", ".jest-node-loss.json"] },
};

describe("a workspace that declares more than one results file for a tier", () => {
  it("counts each file on its own line", () => {
    writeFileSync(join(root, "tests/two/.jest-integration.json"), jestJson(3, 0));
    writeFileSync(join(root, "tests/two/.jest-node-loss.json"), jestJson(4, 1));
    const lines = jestResults(root, [twoConfigs], "test:integration");
    expect(
      lines.map((l: { where: string; passed: number; failed: number }) => [
        l.where,
        l.passed,
        l.failed,
      ]),
    ).toEqual([
      ["tests/two test:integration (.jest-integration.json)", 3, 0],
      ["tests/two test:integration (.jest-node-loss.json)", 4, 1],
    ]);
  });

  it("counts a declared file that was never written as 1 failed, not as nothing", () => {
    writeFileSync(join(root, "tests/two/.jest-integration.json"), jestJson(3, 0));
    const lines = jestResults(root, [twoConfigs], "test:integration");
    expect(lines[1]).toMatchObject({
      where: "tests/two test:integration (.jest-node-loss.json)",
      passed: 0,
      failed: 1,
    });
  });

  it("keeps the tier's one file, unlabelled, for a workspace that declares none", () => {
    writeFileSync(join(root, "tests/two/.jest-integration.json"), jestJson(2, 0));
    const plain = { ...twoConfigs, results: {} };
    expect(jestResults(root, [plain], "test:integration")).toMatchObject([
      { where: "tests/two test:integration", passed: 2, failed: 0 },
    ]);
  });
});
