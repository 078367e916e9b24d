import { readdirSync, readFileSync } from "node:fs";

/** The processes whose peak memory the deploy section reports, by their command name. */
export const RSS_PROCESSES = {
  /** The CLI and engine. */
  pulumi: "pulumi",
  /** The Kubernetes provider plugin. */
  provider: "pulumi-resource-kubernetes",
  /** The Node.js language host (Go). */
  languageHost: "pulumi-language-nodejs",
  /** The program itself, run by the language host. */
  program: "node",
} as const;
export type RssProcess = keyof typeof RSS_PROCESSES;

/** Peak resident memory (VmHWM) per process kind, in MiB; 0 when none was seen. */
export type PeakRss = Record<RssProcess, number>;

function readProc(pid: string, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
}

/** `{ ppid, comm }` of every process, from /proc/<pid>/stat. */
function processTable(): Map<number, { ppid: number; comm: string }> {
  const table = new Map<number, { ppid: number; comm: string }>();
  for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    const stat = readProc(pid, "stat");
    // comm is in parentheses and may hold spaces: the fields after the last ")" are fixed.
    const close = stat?.lastIndexOf(")") ?? -1;
    if (!stat || close < 0) continue;
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const ppid = Number(stat.slice(close + 2).split(" ")[1]);
    table.set(Number(pid), { ppid, comm });
  }
  return table;
}

/** VmHWM of a process in KiB (/proc/<pid>/status), or undefined when it is gone. */
export function vmHwmKiB(pid: number): number | undefined {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readProc(String(pid), "status") ?? "");
  return m ? Number(m[1]) : undefined;
}

/**
 * Samples, every `everyMs`, the peak resident memory (VmHWM, which the kernel keeps as the
 * process's high-water mark) of every descendant of this process named in
 * {@link RSS_PROCESSES}, keeping the largest per kind. A process's last sample is at most
 * `everyMs` before it exits, so growth in that last moment can be missed. Call the returned
 * function to stop and read the peaks.
 */
export function samplePeakRss(everyMs = 250, root = process.pid): () => PeakRss {
  const peaks: PeakRss = { pulumi: 0, provider: 0, languageHost: 0, program: 0 };
  const kinds = Object.entries(RSS_PROCESSES) as [RssProcess, string][];
  const sample = () => {
    const table = processTable();
    const under = (pid: number) => {
      for (let p = table.get(pid)?.ppid, hops = 0; p && hops < 20; p = table.get(p)?.ppid, hops++)
        if (p === root) return true;
      return false;
    };
    for (const [pid, { comm }] of table) {
      const kind = kinds.find(([, name]) => comm === name.slice(0, 15))?.[0];
      if (!kind || !under(pid)) continue;
      const kib = vmHwmKiB(pid);
      if (kib !== undefined) peaks[kind] = Math.max(peaks[kind], Math.round(kib / 1024));
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return () => {
    clearInterval(timer);
    sample();
    return { ...peaks };
  };
}
