/**
 * actionlint (built by tools/toolchain/build.sh) over the committed workflows, and proof that it
 * and shellcheck catch broken ones. Without actionlint or shellcheck this FAILS with how to get
 * them; it never skips (`npm test` installs shellcheck with the other system packages).
 */
import { repoRoot } from "@steady/deployer";
import * as yaml from "js-yaml";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findShellcheck, formatFinding, runActionlint, shellcheckScripts } from "../src/actionlint";
import { compositeScripts, loadPipeline } from "../src/workflow-contract";

const root = repoRoot();
const fixtures = join(__dirname, "fixtures", "broken-pipeline");
const shellcheck = findShellcheck();
if (!shellcheck) {
  throw new Error(
    "shellcheck was not found: install it with `sudo tools/toolchain/install-node-runtime.sh shellcheck` (or apt-get install shellcheck)",
  );
}

/** A throwaway repository holding the broken fixtures under .github/. */
function brokenRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), "steady-actionlint-"));
  // actionlint resolves local actions (./.github/actions/...) from the repository root, which it
  // recognises by its .git directory.
  mkdirSync(join(dir, ".git"));
  mkdirSync(join(dir, ".github", "workflows"), { recursive: true });
  mkdirSync(join(dir, ".github", "actions", "greet"), { recursive: true });
  cpSync(join(fixtures, "workflow.yml"), join(dir, ".github", "workflows", "broken.yml"));
  cpSync(join(fixtures, "shell.yml"), join(dir, ".github", "workflows", "shell.yml"));
  cpSync(join(fixtures, "action.yml"), join(dir, ".github", "actions", "greet", "action.yml"));
  return dir;
}

const workflows = readdirSync(join(root, ".github", "workflows"))
  .filter((f) => /\.ya?ml$/.test(f))
  .map((f) => join(".github", "workflows", f));

describe("actionlint over .github/workflows", () => {
  it("finds both workflows", () => {
    expect(workflows.sort()).toEqual([
      ".github/workflows/deploy.yml",
      ".github/workflows/pull-request.yml",
    ]);
  });

  it("reports nothing on the committed workflows", () => {
    const findings = runActionlint(root, workflows, shellcheck ? { shellcheck } : {});
    expect(findings.map(formatFinding)).toEqual([]);
  });

  it("reports every deliberate mistake of a broken workflow", () => {
    const dir = brokenRepo();
    try {
      const found = runActionlint(dir, [".github/workflows/broken.yml"]);
      const lines = found.map((f) => `${f.line} ${f.kind}`);
      expect(lines).toEqual(
        expect.arrayContaining([
          "13 action", // a required input of the local action is missing
          "15 action", // an input the local action does not have
          "16 expression", // matrix without a matrix
          "18 syntax-check", // unknown key
          "19 job-needs", // needs a job that does not exist
        ]),
      );
      expect(found.find((f) => f.line === 15)!.message).toContain('input "nmae" is not defined');
      expect(found.find((f) => f.kind === "job-needs")!.message).toContain('"biuld"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("shellcheck over run: scripts", () => {
  it("flags an unquoted expansion in a workflow's run script through actionlint", () => {
    const dir = brokenRepo();
    try {
      const found = runActionlint(dir, [".github/workflows/shell.yml"], { shellcheck });
      expect(found.map((f) => `${f.kind} ${f.message.slice(0, 7)}`)).toContain(
        "shellcheck shellch",
      );
      expect(found.some((f) => f.message.includes("SC2086"))).toBe(true);
      // Without shellcheck the same workflow is clean: the finding above is shellcheck's.
      expect(runActionlint(dir, [".github/workflows/shell.yml"])).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds nothing in the committed composite actions' scripts", () => {
    const scripts = compositeScripts(loadPipeline(root).actions.values());
    expect(scripts.length).toBeGreaterThanOrEqual(5);
    expect(shellcheckScripts(shellcheck, scripts)).toEqual([]);
  });

  it("flags the unquoted expansion in a broken composite action's script", () => {
    const broken = {
      path: ".github/actions/greet/action.yml",
      doc: yaml.load(readFileSync(join(fixtures, "action.yml"), "utf8")) as Record<string, unknown>,
    };
    expect(shellcheckScripts(shellcheck, compositeScripts([broken]))).toEqual([
      expect.objectContaining({
        where: ".github/actions/greet/action.yml: runs.steps[0]",
        line: 1,
        code: "SC2086",
      }),
    ]);
  });
});
