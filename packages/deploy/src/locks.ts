import { existsSync, readFileSync, readdirSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { procTable } from "./process-table";

/**
 * A lock on a stack, as the Pulumi CLI's file ("diy") backend writes it: one JSON file per
 * holder under `<backend>/.pulumi/locks/<org>/<project>/<stack>/<lock id>.json` with the
 * holder's pid, user, host and start time (pkg/backend/diy/lock.go, `lockContent`, 3.248).
 * The lock is taken by `pulumi up`, `refresh`, `destroy` and `import`, never by `preview`.
 */
export interface StackLock {
  /** The lock file. */
  readonly file: string;
  readonly pid: number;
  readonly username: string;
  readonly hostname: string;
  /** When the holder took the lock. */
  readonly timestamp: Date;
}

/** Whether a lock's holder still runs, as far as this machine can tell. */
export type HolderState =
  /** Same host, the pid is a running `pulumi`. */
  | "alive"
  /** Same host, no such pid, or the pid now belongs to another program. */
  | "dead"
  /** Another host: this machine cannot tell. */
  | "other-host";

/** A lock and what is known of its holder. */
export interface InspectedLock extends StackLock {
  readonly holder: HolderState;
}

/**
 * The lock directory of a stack on a `file://` backend; undefined for other backends (their
 * locks are not files this tool can read).
 * @param stack fully qualified, `organization/<project>/<stack>`.
 */
export function lockDir(backendUrl: string, stack: string): string | undefined {
  if (!backendUrl.startsWith("file://")) return undefined;
  // file:///abs/path (and the CLI's own file://~ form is not used by this tool).
  const root = fileURLToPath(backendUrl.replace(/\?.*$/, ""));
  return join(root, ".pulumi", "locks", ...stack.split("/"));
}

/** Parses one lock file's content; throws naming the file when it is not a lock. */
export function parseLock(file: string, text: string): StackLock {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not a Pulumi lock file: ${(e as Error).message}`);
  }
  const l = raw as Partial<Record<keyof StackLock, unknown>>;
  const timestamp = new Date(String(l.timestamp));
  if (
    typeof l.pid !== "number" ||
    typeof l.hostname !== "string" ||
    Number.isNaN(timestamp.getTime())
  ) {
    throw new Error(
      `${file} is not a Pulumi lock file: expected {pid, username, hostname, timestamp}, got ${text.slice(0, 200)}`,
    );
  }
  return {
    file,
    pid: l.pid,
    username: typeof l.username === "string" ? l.username : "?",
    hostname: l.hostname,
    timestamp,
  };
}

/** The locks in a stack's lock directory (none when it does not exist). */
export function readLocks(dir: string): StackLock[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".json"))
    .map((e) => join(dir, e.name))
    .map((file) => parseLock(file, readFileSync(file, "utf8")));
}

/** What liveness checks read; the real machine by default, a fake in tests. */
export interface Machine {
  readonly hostname: string;
  /** The program name of a running pid (its argv[0]'s base name), undefined when none runs. */
  readonly processName: (pid: number) => string | undefined;
}

/**
 * This machine: its hostname and the process table, which reads /proc and counts a zombie
 * (exited, not yet collected) as gone.
 */
export const THIS_MACHINE: Machine = {
  hostname: osHostname(),
  processName: (pid) => {
    const argv0 = procTable.cmdline(pid)?.[0];
    return argv0 === undefined ? undefined : basename(argv0);
  },
};

/**
 * Whether a lock's holder runs. Only a holder on this host can be checked; a pid that runs but
 * is not `pulumi` was reused by the kernel after the holder died, so it counts as dead.
 */
export function holderState(lock: StackLock, machine: Machine = THIS_MACHINE): HolderState {
  if (lock.hostname !== machine.hostname) return "other-host";
  const name = machine.processName(lock.pid);
  return name !== undefined && name.startsWith("pulumi") ? "alive" : "dead";
}

/** Reads and checks every lock of a stack. */
export function inspectLocks(dir: string, machine: Machine = THIS_MACHINE): InspectedLock[] {
  return readLocks(dir).map((l) => ({ ...l, holder: holderState(l, machine) }));
}

/** What `recover` may do about a stack's locks. */
export type RecoveryDecision =
  | { readonly action: "none"; readonly reason: string }
  | { readonly action: "release"; readonly reason: string }
  | { readonly action: "refuse"; readonly reason: string };

/**
 * Decides whether the locks may be released: only when every holder is provably dead (this
 * host, pid gone). A live holder or one on another host is never touched: `pulumi cancel`
 * removes every lock of the stack, so one live lock makes the whole release unsafe.
 */
export function recoveryDecision(locks: readonly InspectedLock[]): RecoveryDecision {
  if (locks.length === 0) return { action: "none", reason: "the stack is not locked" };
  const alive = locks.filter((l) => l.holder === "alive");
  if (alive.length > 0) {
    return {
      action: "refuse",
      reason: `the lock's holder is running (${alive.map((l) => describeHolder(l)).join("; ")}): wait for it to finish, or stop it (kill -INT ${alive[0]!.pid} cancels it gracefully), then run recover again`,
    };
  }
  const remote = locks.filter((l) => l.holder === "other-host");
  if (remote.length > 0) {
    return {
      action: "refuse",
      reason: `the lock was taken on another host (${remote.map((l) => describeHolder(l)).join("; ")}), whose processes this machine cannot see: run recover there, or make sure that process is gone and run \`pulumi cancel\` for the stack`,
    };
  }
  return {
    action: "release",
    reason: `every holder is gone (${locks.map((l) => describeHolder(l)).join("; ")})`,
  };
}

/** `pid 123 of root@host, 2 min 5 s old`. */
export function describeHolder(l: StackLock & { holder?: HolderState }, now = new Date()): string {
  const state =
    l.holder === undefined ? "" : `, ${l.holder === "other-host" ? "on another host" : l.holder}`;
  return `pid ${l.pid} of ${l.username}@${l.hostname}, taken ${formatAge(now.getTime() - l.timestamp.getTime())} ago${state}`;
}

/** `45 s`, `3 min 20 s`, `2 h 5 min`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

/** Thrown when a stack is locked by another update; says who holds it and what to run. */
export class StackLocked extends Error {
  constructor(
    readonly stackName: string,
    readonly locks: readonly InspectedLock[],
    recoverCommand: string,
  ) {
    super(formatLocked(stackName, locks, recoverCommand));
    this.name = "StackLocked";
  }
}

/** The message for a locked stack: each holder, whether it runs, and the next step. */
export function formatLocked(
  stack: string,
  locks: readonly InspectedLock[],
  recoverCommand: string,
  now = new Date(),
): string {
  const decision = recoveryDecision(locks);
  const next =
    decision.action === "release"
      ? `The holder is gone and left the lock behind (the run was killed). Release it and resolve its pending operations with:\n  ${recoverCommand}`
      : locks.some((l) => l.holder === "alive")
        ? "Another update of this stack is running: wait for it to finish, then run this again."
        : `${decision.reason}.`;
  return [
    `the stack ${stack} is locked by ${locks.length} lock(s):`,
    ...locks.map((l) => `  - ${describeHolder(l, now)} (${l.file})`),
    next,
  ].join("\n");
}
