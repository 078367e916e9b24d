import { existsSync, readdirSync, readlinkSync, rmdirSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { shimSocketPath, SHIM_SOCKET_DIR } from "./containerd";
import { isUnder } from "./mounts";

/**
 * The few places outside the data directory the real node writes to, because its programs have
 * them built in: containerd's shim sockets, the CNI result cache, the kubelet's device-plugin
 * socket and the /var/log/containers links. `up` records which of these directories it found
 * missing; `down` removes the node's entries from them, then those directories if empty. Nothing
 * else there is touched (other programs may use the same directories).
 */

/** Parents first. */
export const HOST_DIRS = [
  "/run/containerd",
  SHIM_SOCKET_DIR,
  "/var/lib/cni",
  "/var/lib/cni/results",
  "/var/lib/kubelet",
  "/var/lib/kubelet/device-plugins",
  "/var/log/containers",
] as const;

/** Where the kubelet keeps its device-plugin socket and checkpoint (built in, not configurable). */
export const DEVICE_PLUGIN_DIR = "/var/lib/kubelet/device-plugins";

/** The HOST_DIRS that do not exist now (call before starting the node). */
export function missingHostDirs(root = "/"): string[] {
  return HOST_DIRS.filter((d) => !existsSync(join(root, d)));
}

export interface HostPathCleanup {
  /** Files and links of the node removed. */
  readonly removedFiles: string[];
  /** Directories `up` created that were removed (empty). */
  readonly removedDirs: string[];
  /** Directories `up` created that still hold something (someone else's). */
  readonly keptDirs: string[];
}

/**
 * Removes the node's entries from the host directories: the shim sockets of `containerIds`, the
 * CNI results of the node's network or of those containers, the links into `podLogsDir`, and (if
 * `up` created the device-plugin directory) the kubelet's socket and checkpoint there. Then removes
 * the directories in `createdDirs`, deepest first, when empty.
 */
export function cleanupHostPaths(o: {
  readonly containerdSocket: string;
  /** containerd namespace of the containers (the kubelet's: k8s.io). */
  readonly namespace: string;
  readonly containerIds: readonly string[];
  readonly cniNetwork: string;
  readonly podLogsDir: string;
  readonly createdDirs: readonly string[];
  /** Prefix for every absolute path (tests); default "/". */
  readonly root?: string;
}): HostPathCleanup {
  const root = o.root ?? "/";
  const at = (p: string) => join(root, p);
  const removedFiles: string[] = [];
  const remove = (path: string) => {
    if (!existsSync(path) && !isDanglingLink(path)) return;
    rmSync(path, { force: true });
    removedFiles.push(path);
  };
  const ids = new Set(o.containerIds);
  for (const id of ids) remove(at(shimSocketPath(o.containerdSocket, o.namespace, id)));
  // libcni caches each ADD as <network>-<container id>-<interface>; containerd's loopback is
  // "cni-loopback".
  for (const name of list(at("/var/lib/cni/results"))) {
    const ours =
      name.startsWith(`${o.cniNetwork}-`) ||
      [...ids].some((id) => name.startsWith("cni-loopback-") && name.includes(`-${id}-`));
    if (ours) remove(at(join("/var/lib/cni/results", name)));
  }
  for (const name of list(at("/var/log/containers"))) {
    const path = at(join("/var/log/containers", name));
    try {
      if (isUnder(resolve(at("/var/log/containers"), readlinkSync(path)), o.podLogsDir))
        remove(path);
    } catch {
      // not a link
    }
  }
  if (o.createdDirs.includes(DEVICE_PLUGIN_DIR)) {
    for (const name of ["kubelet.sock", "kubelet_internal_checkpoint"]) {
      remove(at(join(DEVICE_PLUGIN_DIR, name)));
    }
  }
  const removedDirs: string[] = [];
  const keptDirs: string[] = [];
  for (const dir of [...o.createdDirs].sort((a, b) => b.length - a.length)) {
    const path = at(dir);
    if (!existsSync(path)) continue;
    try {
      rmdirSync(path);
      removedDirs.push(path);
    } catch {
      keptDirs.push(path);
    }
  }
  return { removedFiles, removedDirs, keptDirs };
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isDanglingLink(path: string): boolean {
  try {
    readlinkSync(path);
    return true;
  } catch {
    return false;
  }
}
