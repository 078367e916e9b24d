import { existsSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { findBinary } from "../host/binaries";
import {
  cgroupHierarchies,
  cgroupProcesses,
  removeCgroupRoot,
  type CgroupHierarchy,
} from "./cgroups";
import { criContainerIds, deleteAllTasks, findShims, socketAnswers } from "./containerd";
import { findSystemTool, tryRun } from "../host/host";
import { cleanupHostPaths } from "./host-paths";
import { removeEmptyNftTables, removeNodeChains, type IptablesFamily } from "./iptables";
import { KubeApiError, withQuery, type KubeClient, type KubeObject } from "@steady/deploy";
import { mountsUnder, readMountinfo, unmountAllUnder } from "./mounts";
import type { Layout } from "../paths";
import { describeStopped, isOurs, stopProcess, type ProcessTable } from "../host/processes";
import { releaseClaim } from "./claim";
import {
  identityOf,
  NODE_COMPONENTS,
  nodeLayout,
  REAL_NODE,
  type NodeComponentName,
  type NodeLayout,
} from "./spec";
import type { RealNodeState } from "./state";
import { restoreKernelSettings, type SysctlChange } from "./sysctl";
import type { StoppedComponent } from "../types";

/**
 * Taking the real node down: its pods, processes, iptables chains, interfaces, mounts, cgroups,
 * the few files it leaves outside the data directory, and the kernel settings `up` changed. Every
 * step works from what it finds (the recorded state only says what existed before), so it also
 * cleans up after a node that crashed half-way, and running it twice is harmless.
 */

export interface CleanupOptions {
  readonly layout: Layout;
  /** What `up` recorded; undefined when only leftovers are known (their state is gone). */
  readonly node?: RealNodeState;
  readonly table: ProcessTable;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  /**
   * An admin client, when the API server answers. With it and a live kubelet, the node's pods are
   * deleted through the kubelet (so the CNI plugins tear down their networks) and the Node object
   * is deleted at the end. Without (a crashed node, a failed start), containers are killed directly
   * and the API objects stay for the next start to pick up.
   */
  readonly api?: () => KubeClient;
  /** Delete the node's pods and the Node object (down), or leave them for a restart (stale). */
  readonly removeApiObjects: boolean;
}

/** What the clean-up did, and what it could not undo (one line each). */
export interface RealNodeCleanup {
  readonly processes: {
    readonly name: NodeComponentName;
    readonly pid: number;
    readonly result: StoppedComponent["result"];
  }[];
  readonly podsDeleted: number;
  readonly nodeDeleted: boolean;
  readonly tasksKilled: number;
  /** Shims and container processes killed because nothing else stopped them. */
  readonly strayKilled: number[];
  readonly chainsRemoved: string[];
  readonly nftTablesRemoved: string[];
  readonly interfacesRemoved: string[];
  readonly unmounted: string[];
  readonly cgroupsRemoved: number;
  readonly hostFilesRemoved: string[];
  readonly sysctlsRestored: SysctlChange[];
  readonly leftovers: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
}

/** Deletes the pods bound to the node (1 s grace) and waits until the kubelet has removed them. */
async function deletePods(
  api: () => KubeClient,
  nodeName: string,
  kubeletAlive: () => boolean,
  timeoutMs: number,
): Promise<{ deleted: number; remaining: number }> {
  const client = api();
  try {
    const path = withQuery("/api/v1/pods", { fieldSelector: `spec.nodeName=${nodeName}` });
    const pods = (await client.list<Pod>(path)).items;
    for (const p of pods) {
      const { namespace, name } = p.metadata ?? {};
      try {
        await client.request("DELETE", `/api/v1/namespaces/${namespace}/pods/${name}`, {
          gracePeriodSeconds: 1,
        });
      } catch (e) {
        if (!(e instanceof KubeApiError && e.statusCode === 404)) throw e;
      }
    }
    const uids = new Set(pods.map((p) => p.metadata?.uid));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = (await client.list<Pod>(path)).items.filter((p) => uids.has(p.metadata?.uid));
      if (left.length === 0 || Date.now() > deadline || !kubeletAlive()) {
        return { deleted: pods.length - left.length, remaining: left.length };
      }
      await sleep(250);
    }
  } finally {
    client.close();
  }
}

function iptablesFamilies(env: NodeJS.ProcessEnv): IptablesFamily[] {
  const out: IptablesFamily[] = [];
  const v4 = [findSystemTool("iptables-save", env), findSystemTool("iptables-restore", env)];
  const v6 = [findSystemTool("ip6tables-save", env), findSystemTool("ip6tables-restore", env)];
  if (v4[0] && v4[1]) out.push({ family: "ipv4", save: v4[0], restore: v4[1] });
  if (v6[0] && v6[1]) out.push({ family: "ipv6", save: v6[0], restore: v6[1] });
  return out;
}

/** Interfaces attached to a bridge (its ports: the pods' host-side veths). */
export function bridgePorts(bridge: string, sys = "/sys/class/net"): string[] {
  try {
    return readdirSync(join(sys, bridge, "brif"));
  } catch {
    return [];
  }
}

/** Whether a network interface exists. */
export const interfaceExists = (name: string, sys = "/sys/class/net") =>
  existsSync(join(sys, name));

/** Sends SIGKILL to `pids` and waits (up to 5 s) until they are gone. */
async function killAndWait(pids: readonly number[]): Promise<number[]> {
  const killed: number[] = [];
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  for (let i = 0; i < 100 && killed.some((p) => existsSync(`/proc/${p}/cmdline`)); i++) {
    await sleep(50);
  }
  return killed;
}

/** What the steps share: the options, the node's names, and the result being filled in. */
interface Cleanup {
  readonly o: CleanupOptions;
  readonly n: NodeLayout;
  readonly nodeName: string;
  readonly cgroupRoot: string;
  readonly hierarchies: CgroupHierarchy[];
  alive(name: NodeComponentName): boolean;
  readonly result: Mutable<RealNodeCleanup>;
}
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Step 1, the proper way: the kubelet stops the pods and the CNI plugins tear their networks down. */
async function removePods(c: Cleanup): Promise<void> {
  const { o, result } = c;
  if (!(o.removeApiObjects && o.api && c.alive("kubelet") && c.alive("containerd"))) return;
  const t = Date.now();
  try {
    const r = await deletePods(o.api, c.nodeName, () => c.alive("kubelet"), 30_000);
    result.podsDeleted = r.deleted;
    const took = ((Date.now() - t) / 1000).toFixed(1);
    if (r.deleted) o.log(`  deleted ${r.deleted} pod(s) of ${c.nodeName} in ${took} s`);
    if (r.remaining) o.log(`  ${r.remaining} pod(s) did not go in 30 s: killing their containers`);
  } catch (e) {
    o.log(`  could not delete the pods through the API (${(e as Error).message}): killing them`);
  }
}

/** Step 2: kube-proxy and the kubelet, then containerd once it has deleted its containers. */
async function stopProcesses(c: Cleanup): Promise<void> {
  const { o, n, result } = c;
  const recorded = o.node?.processes ?? {};
  const stop = async (name: NodeComponentName) => {
    const r = recorded[name];
    if (!r) return;
    const outcome = await stopProcess(o.table, r, 10_000);
    const text = STOP_RESULTS[outcome];
    result.processes.push({ name, pid: r.pid, result: text });
  };
  await stop("kube-proxy");
  await stop("kubelet");
  const ctr = findSystemTool("ctr", o.env);
  if (c.alive("containerd") && ctr && (await socketAnswers(n.containerdSocket))) {
    try {
      result.tasksKilled = deleteAllTasks({ ctr, socket: n.containerdSocket }).length;
    } catch (e) {
      o.log(`  ctr could not delete the running containers (${(e as Error).message})`);
    }
  }
  await stop("containerd");
  result.processes.sort(
    (a, b) => NODE_COMPONENTS.indexOf(a.name) - NODE_COMPONENTS.indexOf(b.name),
  );
}

const STOP_RESULTS = {
  term: "stopped",
  kill: "killed",
  gone: "not-running",
  "not-ours": "not-ours",
} as const;

/** Step 3: whatever still runs for the node: its containerd's shims, processes in its cgroups. */
async function killLeftovers(c: Cleanup): Promise<void> {
  const shims = findShims(c.n.containerdSocket);
  const inCgroups = cgroupProcesses(c.hierarchies, c.cgroupRoot);
  c.result.strayKilled = await killAndWait([...new Set([...shims, ...inCgroups])]);
  const still = cgroupProcesses(c.hierarchies, c.cgroupRoot);
  if (still.length)
    c.result.leftovers.push(`processes in cgroup ${c.cgroupRoot}: ${still.join(", ")}`);
}

/** Step 4: the Node object (its Lease goes with it): `up` registered it. */
async function deleteNodeObject(c: Cleanup): Promise<void> {
  const { o } = c;
  if (!(o.removeApiObjects && o.api)) return;
  const client = o.api();
  try {
    await client.request("DELETE", `/api/v1/nodes/${c.nodeName}`);
    c.result.nodeDeleted = true;
  } catch (e) {
    if (!(e instanceof KubeApiError && e.statusCode === 404)) {
      o.log(`  could not delete Node ${c.nodeName}: ${(e as Error).message}`);
    }
  } finally {
    client.close();
  }
}

/**
 * Step 5: iptables (kube-proxy's own clean-up, then every node chain left: the kubelet's canaries,
 * the masquerade chains of pods killed without their CNI teardown; never one that existed before
 * `up`), then the veths left on the bridge, and the bridge.
 */
function removeNetwork(c: Cleanup): void {
  const { o, result } = c;
  const id = identityOf(o.node);
  // kube-proxy and the chains are node 1's (the only kube-proxy); the bridge is each node's own.
  if (id.index === 1) removeChains(c);
  const bridge = o.node?.bridge ?? id.network.bridge;
  const ip = findSystemTool("ip", o.env);
  for (const ifname of [...bridgePorts(bridge), bridge]) {
    if (!interfaceExists(ifname)) continue;
    const r = ip ? tryRun(ip, ["link", "delete", ifname]) : undefined;
    if (r?.status === 0) result.interfacesRemoved.push(ifname);
    else if (interfaceExists(ifname)) {
      result.leftovers.push(`interface ${ifname}: ${r?.stderr.trim() ?? "ip not found"}`);
    }
  }
}

/** kube-proxy's own clean-up, then every node chain left (never one that existed before `up`). */
function removeChains(c: Cleanup): void {
  const { o, result } = c;
  const kubeProxy = findToolchainBinary("kube-proxy", o.env);
  if (kubeProxy) {
    const r = tryRun(kubeProxy, ["--cleanup"], { timeoutMs: 60_000 });
    if (r.status !== 0) {
      o.log(`  kube-proxy --cleanup exited ${r.status}: ${r.stderr.trim().split("\n").pop()}`);
    }
  }
  const families = iptablesFamilies(o.env);
  if (families.length === 0) {
    result.leftovers.push("iptables-save/iptables-restore not found: node chains not checked");
  }
  try {
    result.chainsRemoved = removeNodeChains(families, new Set(o.node?.preexistingChains ?? []));
    const nft = findSystemTool("nft", o.env);
    result.nftTablesRemoved = removeEmptyNftTables(nft, families, o.node?.nftTablesBefore ?? []);
  } catch (e) {
    result.leftovers.push(`iptables chains: ${(e as Error).message}`);
  }
}

/**
 * Step 6: mounts below the data directory (network namespaces, sandbox shm, container root file
 * systems, pod volumes, the kubelet's own bind mount), the cgroups, the node's files outside the
 * data directory, and its volatile state inside it (like /run, it must not outlive the
 * processes: containerd and runc would trip over stale tasks).
 */
function removeFiles(c: Cleanup): void {
  const { o, n, result } = c;
  const umount = findSystemTool("umount", o.env);
  // Node 1's clean-up takes everything below the data directory; another node's only its own.
  const under = identityOf(o.node).index === 1 ? o.layout.dataDir : n.dir;
  if (umount) {
    const u = unmountAllUnder(under, umount);
    result.unmounted = [...u.unmounted, ...u.lazy];
    if (u.lazy.length) o.log(`  detached busy mounts lazily: ${u.lazy.join(", ")}`);
    result.leftovers.push(...u.failed.map((f) => `mount ${f}`));
  } else if (mountsUnder(readMountinfo(), under).length) {
    result.leftovers.push("umount not found: mounts below the data directory remain");
  }
  const cg = removeCgroupRoot(c.hierarchies, c.cgroupRoot);
  result.cgroupsRemoved = cg.removed.length;
  result.leftovers.push(...cg.failed.map((f) => `cgroup ${f}`));
  const host = cleanupHostPaths({
    containerdSocket: n.containerdSocket,
    namespace: REAL_NODE.containerdNamespace,
    containerIds: [...criContainerIds(n.containerdRoot), ...taskIds(n.containerdState)],
    cniNetwork: o.node?.cniNetwork ?? identityOf(o.node).cniNetwork,
    podLogsDir: n.podLogsDir,
    // Without a record, nobody knows which directories `up` made: none is removed.
    createdDirs: o.node?.createdHostDirs ?? [],
  });
  result.hostFilesRemoved = [...host.removedFiles, ...host.removedDirs];
  if (mountsUnder(readMountinfo(), n.dir).length === 0) {
    for (const dir of [n.containerdState, n.runcRoot, n.cniIpamDir]) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Step 7: the kernel settings `up` changed, back as they were. */
function restoreKernel(c: Cleanup): void {
  const changes = c.o.node?.sysctls ?? [];
  if (changes.length === 0) return;
  const r = restoreKernelSettings(changes);
  c.result.sysctlsRestored = r.restored;
  for (const { change, current } of r.leftAlone) {
    c.o.log(
      `  left ${change.key}=${current ?? "?"} alone: up set it to ${change.after}, ` +
        "and someone changed it since",
    );
  }
}

/** Takes the real node of a data directory down (see the module comment). Needs root. */
export async function cleanupRealNode(o: CleanupOptions): Promise<RealNodeCleanup> {
  const recorded = o.node?.processes ?? {};
  const id = identityOf(o.node);
  const c: Cleanup = {
    o,
    n: nodeLayout(o.layout, id),
    nodeName: o.node?.nodeName ?? id.name,
    cgroupRoot: o.node?.cgroupRoot ?? id.cgroupRoot,
    hierarchies: cgroupHierarchies(),
    alive: (name) => {
      const r = recorded[name];
      return r !== undefined && isOurs(o.table, r);
    },
    result: {
      processes: [],
      podsDeleted: 0,
      nodeDeleted: false,
      tasksKilled: 0,
      strayKilled: [],
      chainsRemoved: [],
      nftTablesRemoved: [],
      interfacesRemoved: [],
      unmounted: [],
      cgroupsRemoved: 0,
      hostFilesRemoved: [],
      sysctlsRestored: [],
      leftovers: [],
    },
  };
  await removePods(c);
  await stopProcesses(c);
  await killLeftovers(c);
  await deleteNodeObject(c);
  removeNetwork(c);
  removeFiles(c);
  restoreKernel(c);
  // With leftovers, the claim stays: the next `up --real-node` sees it and cleans up again.
  // The claim is node 1's: the machine's real-node resources are free once node 1 is gone.
  if (c.result.leftovers.length === 0 && id.index === 1) releaseClaim(o.layout.dataDir);
  return c.result;
}

function findToolchainBinary(name: string, env: NodeJS.ProcessEnv): string | undefined {
  try {
    return findBinary(name, env);
  } catch {
    return undefined;
  }
}

/** Ids of the tasks containerd's v2 runtime has state for (any namespace). */
function taskIds(containerdState: string): string[] {
  const base = join(containerdState, "io.containerd.runtime.v2.task");
  const ids: string[] = [];
  try {
    for (const ns of readdirSync(base)) ids.push(...readdirSync(join(base, ns)));
  } catch {
    // none
  }
  return ids;
}

/** Lines describing a clean-up: processes stopped, what was removed, and each leftover. */
export function describeCleanup(r: RealNodeCleanup): string[] {
  const lines = r.processes.map((p) => `  ${describeStopped(p)}`);
  const killed: string[] = [];
  if (r.tasksKilled) killed.push(`${r.tasksKilled} container(s) through containerd`);
  if (r.strayKilled.length) killed.push(`${r.strayKilled.length} leftover process(es)`);
  if (killed.length) lines.push(`  killed ${killed.join(" and ")}`);
  const parts = [`${r.chainsRemoved.length} iptables chain(s)`];
  if (r.interfacesRemoved.length) parts.push(`interface(s) ${r.interfacesRemoved.join(", ")}`);
  parts.push(`${r.unmounted.length} mount(s)`, `${r.cgroupsRemoved} cgroup(s)`);
  if (r.hostFilesRemoved.length) {
    parts.push(`${r.hostFilesRemoved.length} file(s) and directories outside the data directory`);
  }
  lines.push(`  removed ${parts.join(", ")}`);
  if (r.nodeDeleted) lines.push(`  deleted the Node object`);
  if (r.sysctlsRestored.length) {
    lines.push(`  restored ${r.sysctlsRestored.map((s) => `${s.key}=${s.before}`).join(", ")}`);
  }
  for (const l of r.leftovers) lines.push(`  COULD NOT CLEAN UP: ${l}`);
  return lines;
}
