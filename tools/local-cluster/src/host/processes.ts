import { spawn } from "node:child_process";
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import type { ProcessTable } from "@steady/deploy";
import { RUN_HEADER } from "./readiness";

// The process table lives in @steady/deploy (its stack-lock liveness check reads it too): one
// reader of /proc for both.
export { parseCmdline, procTable, type ProcessTable } from "@steady/deploy";
/** A process this package started: its pid and exactly the argv it was started with. */
export interface ProcessRecord {
  readonly pid: number;
  readonly argv: readonly string[];
}

/** Whether `argv` is the command line recorded for a process (argument by argument). */
export function cmdlineMatches(actual: readonly string[] | undefined, recorded: readonly string[]) {
  return (
    actual !== undefined &&
    actual.length === recorded.length &&
    actual.every((arg, i) => arg === recorded[i])
  );
}

/**
 * Whether the process is alive AND is still the one we started: a pid reused by another
 * program has a different command line and is never treated (or killed) as ours.
 */
export function isOurs(table: ProcessTable, record: ProcessRecord): boolean {
  return cmdlineMatches(table.cmdline(record.pid), record.argv);
}

/**
 * Starts `argv` detached in its own session (it outlives this process), stdout and stderr
 * appended to `logFile`, after a header line naming the start.
 */
export function spawnDetached(
  argv: readonly string[],
  logFile: string,
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
): number {
  const fd = openSync(logFile, "a", 0o644);
  try {
    writeSync(fd, `\n${RUN_HEADER}${new Date().toISOString()} starting: ${argv.join(" ")}\n`);
    const child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: ["ignore", fd, fd],
      env,
      cwd,
    });
    if (child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
    // A failure to exec (e.g. ENOENT) arrives as an event; the readiness wait reports it.
    child.on("error", () => undefined);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How a stop went: "term" (exited after SIGTERM), "kill" (needed SIGKILL), "gone", "not-ours". */
export type StopOutcome = "term" | "kill" | "gone" | "not-ours";

/**
 * Stops one of our processes: SIGTERM, up to `graceMs` for it to exit, then SIGKILL. Verifies
 * the command line before every signal, so a recycled pid is left alone.
 */
export async function stopProcess(
  table: ProcessTable,
  record: ProcessRecord,
  graceMs = 10_000,
  pollMs = 50,
): Promise<StopOutcome> {
  const actual = table.cmdline(record.pid);
  if (actual === undefined) return "gone";
  if (!cmdlineMatches(actual, record.argv)) return "not-ours";
  table.kill(record.pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isOurs(table, record)) return "term";
    await sleep(pollMs);
  }
  if (isOurs(table, record)) table.kill(record.pid, "SIGKILL");
  for (let i = 0; i < 100 && isOurs(table, record); i++) await sleep(pollMs);
  return "kill";
}

/** Resident memory of a process in KiB (VmRSS), if it is readable. */
export function rssKiB(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** When the machine booted (from /proc/stat btime), if known. */
export function bootTime(): Date | undefined {
  try {
    const m = /^btime\s+(\d+)/m.exec(readFileSync("/proc/stat", "utf8"));
    return m ? new Date(Number(m[1]) * 1000) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How stopping one component went, as reported: SIGTERM worked, SIGKILL after the grace, it was
 * gone already, or its pid is now another program's (left alone).
 */
export type StoppedResult = "stopped" | "killed" | "not-running" | "not-ours";

/** One line saying how stopping a control-plane or real-node process went. */
export function describeStopped(c: {
  readonly name: string;
  readonly pid: number;
  readonly result: StoppedResult;
}): string {
  switch (c.result) {
    case "stopped":
      return `Stopped ${c.name} (pid ${c.pid}).`;
    case "killed":
      return `Stopped ${c.name} (pid ${c.pid}) with SIGKILL: it ignored SIGTERM for 10 s.`;
    case "not-running":
      return `${c.name} (pid ${c.pid}) was not running.`;
    case "not-ours":
      return `${c.name}: pid ${c.pid} now belongs to another program; left it alone.`;
  }
}

/** A process started by `up`, as the state file records it (the same for the control plane and the real node). */
export interface LaunchedProcess {
  readonly pid: number;
  /** The exact argv it was started with (compared against /proc/<pid>/cmdline). */
  readonly argv: readonly string[];
  /** Its main port (client port for etcd, HTTP server for kwok; 0 when it has none). */
  readonly port: number;
  readonly log: string;
  /** ISO time it was started. */
  readonly startedAt: string;
}

/** Starts `spec` detached, its output appended to `logFile`, and returns its record. */
export function launchProcess(
  spec: {
    readonly argv: readonly string[];
    readonly env?: NodeJS.ProcessEnv;
    readonly port: number;
  },
  logFile: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): LaunchedProcess {
  const pid = spawnDetached(spec.argv, logFile, { ...env, ...spec.env }, cwd);
  return {
    pid,
    argv: spec.argv,
    port: spec.port,
    log: logFile,
    startedAt: new Date().toISOString(),
  };
}
