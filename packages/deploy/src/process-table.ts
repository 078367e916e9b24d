import { readFileSync } from "node:fs";

/**
 * What the lock liveness check (and the local cluster's process management) needs to know about
 * running processes. The real one reads /proc; tests inject a fake table.
 */
export interface ProcessTable {
  /** argv of a live process, or undefined when there is none with that pid (or a zombie). */
  cmdline(pid: number): string[] | undefined;
  /** Sends a signal; false when the process is gone. */
  kill(pid: number, signal: NodeJS.Signals): boolean;
}

/** Parses /proc/<pid>/cmdline: NUL-separated, NUL-terminated arguments. */
export function parseCmdline(raw: string): string[] {
  const parts = raw.split("\0");
  if (parts.length && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** Linux's process table. */
export const procTable: ProcessTable = {
  cmdline(pid) {
    try {
      // A zombie has exited already; it only waits for its parent to collect it.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state === "Z" || state === "X") return undefined;
      const argv = parseCmdline(readFileSync(`/proc/${pid}/cmdline`, "utf8"));
      return argv.length ? argv : undefined;
    } catch {
      return undefined;
    }
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  },
};
