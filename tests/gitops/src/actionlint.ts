import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { toolchainDir } from "@steady/deployer";

/** One problem actionlint reports. */
export interface Finding {
  readonly filepath: string;
  readonly line: number;
  readonly column: number;
  /** The rule, e.g. `syntax-check`, `expression`, `job-needs`, `shellcheck`. */
  readonly kind: string;
  readonly message: string;
}

/** The first executable `name` on PATH, else undefined. */
export function onPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** actionlint from the toolchain (tools/toolchain/build.sh builds it); throws how to get it. */
export function findActionlint(): string {
  const bin = join(toolchainDir(), "bin", "actionlint");
  if (existsSync(bin)) return bin;
  throw new Error(
    `actionlint was not found at ${bin}: build it with \`bash tools/toolchain/build.sh actionlint\` (or \`npm run toolchain\`)`,
  );
}

/** shellcheck, when installed (`apt-get install shellcheck`; GitHub's Ubuntu runners have it). */
export function findShellcheck(): string | undefined {
  return process.env.STEADY_SHELLCHECK ?? onPath("shellcheck");
}

/**
 * Runs actionlint on workflow files (paths relative to `cwd`, the repository whose `.github/`
 * local actions they use) and returns its findings. With `shellcheck`, `run:` scripts are
 * checked by it; without, shellcheck is explicitly off, so the result never depends on PATH.
 */
export function runActionlint(
  cwd: string,
  files: readonly string[],
  opts: { shellcheck?: string } = {},
): Finding[] {
  const r = spawnSync(
    findActionlint(),
    [
      "-no-color",
      "-format",
      "{{json .}}",
      "-shellcheck",
      opts.shellcheck ?? "",
      "-pyflakes",
      "",
      ...files,
    ],
    { cwd, encoding: "utf8" },
  );
  if (r.error) throw r.error;
  // 0: no problem, 1: problems found; anything else is actionlint failing to run.
  if (r.status !== 0 && r.status !== 1) {
    throw new Error(`actionlint exited ${r.status}: ${r.stderr || r.stdout}`);
  }
  const findings = JSON.parse(r.stdout.trim() || "[]") as Finding[];
  if (r.status === 1 && findings.length === 0) {
    throw new Error(`actionlint reported problems it did not list: ${r.stderr}`);
  }
  return findings.map(({ filepath, line, column, kind, message }) => ({
    filepath,
    line,
    column,
    kind,
    message,
  }));
}

/** A finding as one line, as an editor would show it. */
export function formatFinding(f: Finding): string {
  return `${f.filepath}:${f.line}:${f.column}: ${f.message} [${f.kind}]`;
}

/** One shellcheck problem in a composite action's `run:` script. */
export interface ScriptFinding {
  /** `<action file>: runs.steps[<i>]`. */
  readonly where: string;
  readonly line: number;
  readonly code: string;
  readonly message: string;
}

/**
 * Shellchecks the bash `run:` scripts of composite actions (actionlint checks the scripts of
 * workflows only). `${{ ... }}` expressions are replaced by a placeholder word first, as
 * actionlint does for workflows.
 */
export function shellcheckScripts(
  shellcheck: string,
  scripts: readonly { where: string; script: string }[],
): ScriptFinding[] {
  return scripts.flatMap(({ where, script }) => {
    const text = script.replace(/\$\{\{[^}]*\}\}/g, "EXPR");
    const r = spawnSync(shellcheck, ["--shell=bash", "--format=json1", "-"], {
      input: text,
      encoding: "utf8",
    });
    if (r.error) throw r.error;
    if (r.status !== 0 && r.status !== 1) {
      throw new Error(`shellcheck exited ${r.status}: ${r.stderr}`);
    }
    const out = JSON.parse(r.stdout) as {
      comments: { line: number; code: number; message: string }[];
    };
    return out.comments.map((c) => ({
      where,
      line: c.line,
      code: `SC${c.code}`,
      message: c.message,
    }));
  });
}
