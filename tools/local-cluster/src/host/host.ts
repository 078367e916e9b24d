import { spawnSync } from "node:child_process";
import { delimiter, join } from "node:path";
import { isExecutableFile } from "./binaries";

/**
 * Running the host's own tools (ip, iptables, ctr, umount, ...) for the real node. Every call is
 * synchronous and bounded by a timeout: these are short administrative commands.
 */

/** A host command exited non-zero (or could not run); the message names it and its stderr. */
export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    const detail = stderr.trim().split("\n").slice(-5).join("\n") || "no output";
    super(
      `\`${argv.join(" ")}\` failed (${status === null ? "did not run" : `exit ${status}`}): ${detail}`,
    );
    this.name = "CommandError";
  }
}

export interface RunOptions {
  /** Written to the command's stdin. */
  readonly input?: string;
  /** Default 60 s. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command and returns what happened, never throwing for a non-zero exit. */
export function tryRun(cmd: string, args: readonly string[], opts: RunOptions = {}): RunResult {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    timeout: opts.timeoutMs ?? 60_000,
    env: opts.env,
    cwd: opts.cwd,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    stdio: [opts.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  const stderr = r.error ? `${r.error.message}\n${r.stderr ?? ""}` : (r.stderr ?? "");
  return { status: r.error ? null : r.status, stdout: r.stdout ?? "", stderr };
}

/** Runs a command and returns its stdout. @throws CommandError when it fails. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): string {
  const r = tryRun(cmd, args, opts);
  if (r.status !== 0) throw new CommandError([cmd, ...args], r.status, r.stderr || r.stdout);
  return r.stdout;
}

/** Whether this process runs as root (the real node needs it). */
export function isRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Directories searched for system tools after PATH: sudo and cron often leave sbin out. */
export const SYSTEM_BIN_DIRS = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

/** Absolute path of a system tool on PATH or in the usual system directories, if any. */
export function findSystemTool(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const dirs = [...(env.PATH ?? "").split(delimiter).filter((d) => d !== ""), ...SYSTEM_BIN_DIRS];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}
