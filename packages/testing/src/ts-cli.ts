import { spawnSync } from "node:child_process";

/** What a command-line run ended with. */
export interface CliRun {
  /** Its exit code; null when a signal ended it. */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command-line entry point written in TypeScript (`src/cli.ts`) with `args` as users
 * start it: in a Node.js process of its own (so `process.exit`, signal handlers and `--help`
 * behave as they do for them), compiled on the fly by ts-node without a type check (the
 * typecheck task does that). For the tests that must see the process itself, e.g. that
 * `--help` is answered with the tool's usage and exit 0; call `main(argv)` for the rest.
 */
export function runTsCli(entry: string, args: readonly string[]): CliRun {
  const run = spawnSync(
    process.execPath,
    ["-r", "ts-node/register/transpile-only", entry, ...args],
    {
      encoding: "utf8",
    },
  );
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}
