import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProcessTable } from "../src/processes";

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "steady-local-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An in-memory process table: pid -> argv. Signals are recorded; SIGTERM/SIGKILL remove the
 * process unless it is listed in `ignoreTerm` (then only SIGKILL does).
 */
export class FakeProcessTable implements ProcessTable {
  readonly signals: { pid: number; signal: NodeJS.Signals }[] = [];
  readonly ignoreTerm = new Set<number>();

  constructor(readonly procs = new Map<number, string[]>()) {}

  cmdline(pid: number): string[] | undefined {
    return this.procs.get(pid);
  }

  kill(pid: number, signal: NodeJS.Signals): boolean {
    if (!this.procs.has(pid)) return false;
    this.signals.push({ pid, signal });
    if (signal === "SIGKILL" || (signal === "SIGTERM" && !this.ignoreTerm.has(pid))) {
      this.procs.delete(pid);
    }
    return true;
  }
}
