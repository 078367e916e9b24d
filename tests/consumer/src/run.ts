import { spawn } from "node:child_process";

/** Options of {@link run}. */
export interface RunOptions {
  readonly cwd: string;
  /** Replaces the environment (see {@link cleanEnv}). */
  readonly env?: NodeJS.ProcessEnv;
  /** Kills the command after this long (default 10 minutes). */
  readonly timeoutMs?: number;
}

/**
 * The environment for a nested npm or Pulumi command: this process's, minus the `npm_*`
 * variables `npm run` sets (they would make the nested npm act on this workspace), plus `extra`.
 */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return { ...env, ...extra };
}

/** How a command ended: its exit code (null when a signal ended it) and its output. */
export interface RunOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion and returns how it ended; rejects only when it cannot start. */
export function runOutcome(
  cmd: string,
  args: readonly string[],
  opts: RunOptions,
): Promise<RunOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? cleanEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGTERM"), opts.timeoutMs ?? 10 * 60_000);
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${cmd} could not start: ${e.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last 60 lines of a command's stderr and stdout, for an error message. */
export function outputTail(r: RunOutcome): string {
  const tail = (s: string) => s.split("\n").slice(-60).join("\n");
  return `${tail(r.stderr)}\n${tail(r.stdout)}`;
}

/** Runs a command to completion and returns its stdout; rejects with its output when it fails. */
export async function run(cmd: string, args: readonly string[], opts: RunOptions): Promise<string> {
  const r = await runOutcome(cmd, args, opts);
  if (r.code === 0) return r.stdout;
  throw new Error(
    `\`${cmd} ${args.join(" ")}\` in ${opts.cwd} failed (${r.signal ?? `exit ${r.code}`}):\n${outputTail(r)}`,
  );
}
