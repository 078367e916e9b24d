import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { tryRun } from "../host/host";

/** One line of /proc/self/mountinfo (the fields this package uses). */
export interface MountEntry {
  readonly id: number;
  readonly parentId: number;
  /** Where it is mounted, unescaped. */
  readonly mountPoint: string;
  readonly fsType: string;
  readonly source: string;
  /** Per-superblock options ("rw,memory" for a cgroup v1 hierarchy). */
  readonly superOptions: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo (octal). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Parses /proc/<pid>/mountinfo: "id parent major:minor root mountpoint options [optional...] -
 * fstype source superoptions". Malformed lines are skipped.
 */
export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split("\n")) {
    const fields = line.split(" ");
    const sep = fields.indexOf("-");
    if (fields.length < 7 || sep < 6 || fields.length < sep + 3) continue;
    out.push({
      id: Number(fields[0]),
      parentId: Number(fields[1]),
      mountPoint: unescapeMountPath(fields[4]!),
      fsType: fields[sep + 1]!,
      source: unescapeMountPath(fields[sep + 2]!),
      superOptions: fields[sep + 3] ?? "",
    });
  }
  return out;
}

/** Whether `path` is `dir` or inside it. */
export function isUnder(path: string, dir: string): boolean {
  const d = resolve(dir);
  return path === d || path.startsWith(d.endsWith("/") ? d : `${d}/`);
}

/**
 * The mounts below `dir` (not `dir` itself: a data directory may well be a mount of its own), in
 * the order they must be unmounted: deepest path first, and of mounts stacked on one path, the
 * one mounted last (listed last) first.
 */
export function mountsUnder(entries: readonly MountEntry[], dir: string): MountEntry[] {
  const depth = (p: string) => p.split("/").length;
  const top = resolve(dir);
  return entries
    .map((entry, index) => ({ entry, index }))
    .filter(({ entry }) => entry.mountPoint !== top && isUnder(entry.mountPoint, top))
    .sort((a, b) => depth(b.entry.mountPoint) - depth(a.entry.mountPoint) || b.index - a.index)
    .map(({ entry }) => entry);
}

export const readMountinfo = (): MountEntry[] =>
  parseMountinfo(readFileSync("/proc/self/mountinfo", "utf8"));

export interface UnmountResult {
  /** Mount points unmounted (a path twice when two mounts were stacked on it). */
  readonly unmounted: string[];
  /** Busy after three passes: detached with `umount -l` (gone from the tree, freed when idle). */
  readonly lazy: string[];
  /** Still mounted at the end (with umount's last message). */
  readonly failed: string[];
}

/**
 * Unmounts everything below `dir`, deepest first, as found in /proc/self/mountinfo. A mount
 * that stays busy over three passes is detached lazily; one that cannot be detached is reported.
 */
export function unmountAllUnder(
  dir: string,
  umount: string,
  read: () => MountEntry[] = readMountinfo,
): UnmountResult {
  const initial = mountsUnder(read(), dir);
  const errors = new Map<string, string>();
  const lazyTried = new Set<number>();
  let mounts = initial;
  for (let pass = 0; pass < 4 && mounts.length > 0; pass++) {
    for (const m of mounts) {
      if (pass === 3) lazyTried.add(m.id);
      const r = tryRun(umount, pass < 3 ? [m.mountPoint] : ["-l", m.mountPoint], {
        timeoutMs: 30_000,
      });
      if (r.status !== 0) errors.set(m.mountPoint, r.stderr.trim() || `exit ${r.status}`);
    }
    mounts = mountsUnder(read(), dir);
  }
  const remaining = new Set(mounts.map((m) => m.id));
  const gone = initial.filter((m) => !remaining.has(m.id));
  return {
    unmounted: gone.filter((m) => !lazyTried.has(m.id)).map((m) => m.mountPoint),
    lazy: gone.filter((m) => lazyTried.has(m.id)).map((m) => m.mountPoint),
    failed: mounts.map((m) => `${m.mountPoint}: ${errors.get(m.mountPoint) ?? "still mounted"}`),
  };
}
