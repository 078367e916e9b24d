import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { readMountinfo, type MountEntry } from "./mounts";

/**
 * The real node's cgroup root. The kubelet puts every pod under `<root>/kubepods` (cgroupfs
 * driver); giving it a root of its own keeps the node's cgroups apart from the machine's and lets
 * `down` remove exactly them.
 */

/** A mounted cgroup hierarchy. */
export interface CgroupHierarchy {
  readonly mountPoint: string;
  readonly version: 1 | 2;
  /** v1: the controllers of this hierarchy ("cpu", "memory", "name=systemd"); v2: []. */
  readonly controllers: readonly string[];
}

const MOUNT_FLAGS = new Set(["rw", "ro", "relatime", "noatime", "nosuid", "nodev", "noexec"]);

/** The cgroup hierarchies among `mounts` (one per mount point). */
export function cgroupHierarchies(
  mounts: readonly MountEntry[] = readMountinfo(),
): CgroupHierarchy[] {
  const seen = new Set<string>();
  const out: CgroupHierarchy[] = [];
  for (const m of mounts) {
    if ((m.fsType !== "cgroup" && m.fsType !== "cgroup2") || seen.has(m.mountPoint)) continue;
    seen.add(m.mountPoint);
    out.push({
      mountPoint: m.mountPoint,
      version: m.fsType === "cgroup2" ? 2 : 1,
      controllers:
        m.fsType === "cgroup2"
          ? []
          : m.superOptions.split(",").filter((o) => o !== "" && !MOUNT_FLAGS.has(o)),
    });
  }
  return out;
}

/** "/steady-real-node" -> "steady-real-node" (a path relative to each hierarchy's mount). */
const relative = (root: string) => root.replace(/^\/+/, "");

/**
 * Creates the cgroup root in every hierarchy (the kubelet requires it to exist). A new cpuset
 * cgroup starts with no CPUs and memory nodes; it gets its parent's. Returns the directories made.
 */
export function createCgroupRoot(hierarchies: readonly CgroupHierarchy[], root: string): string[] {
  const created: string[] = [];
  for (const h of hierarchies) {
    const dir = join(h.mountPoint, relative(root));
    if (!existsSync(dir)) {
      mkdirSync(dir);
      created.push(dir);
    }
    if (h.version === 1 && h.controllers.includes("cpuset")) {
      for (const file of ["cpuset.cpus", "cpuset.mems"]) {
        if (readFileSync(join(dir, file), "utf8").trim() === "") {
          writeFileSync(join(dir, file), readFileSync(join(h.mountPoint, file), "utf8"));
        }
      }
    }
  }
  return created;
}

/** Every cgroup directory at or below `dir`, deepest first. */
function cgroupTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...cgroupTree(join(dir, e.name)));
  }
  out.push(dir);
  return out;
}

/** Pids of every process in the cgroup root or below it, in any hierarchy. */
export function cgroupProcesses(hierarchies: readonly CgroupHierarchy[], root: string): number[] {
  const pids = new Set<number>();
  for (const h of hierarchies) {
    for (const dir of cgroupTree(join(h.mountPoint, relative(root)))) {
      try {
        for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
          const pid = Number(line);
          if (line !== "" && Number.isInteger(pid) && pid > 0) pids.add(pid);
        }
      } catch {
        // removed meanwhile
      }
    }
  }
  return [...pids].sort((a, b) => a - b);
}

/**
 * Removes the cgroup root and everything below it, deepest first, in every hierarchy. A cgroup
 * that still has processes cannot be removed: it is reported.
 */
export function removeCgroupRoot(
  hierarchies: readonly CgroupHierarchy[],
  root: string,
): { removed: string[]; failed: string[] } {
  const removed: string[] = [];
  const failed: string[] = [];
  for (const h of hierarchies) {
    for (const dir of cgroupTree(join(h.mountPoint, relative(root)))) {
      try {
        rmdirSync(dir);
        removed.push(dir);
      } catch (e) {
        failed.push(`${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
  }
  return { removed, failed };
}
