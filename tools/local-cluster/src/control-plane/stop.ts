import { existsSync, readdirSync, rmSync } from "node:fs";
import { basename } from "node:path";
import { isRoot } from "../host/host";
import { MAX_REAL_NODES } from "../network";
import { nodeIdentity } from "../real-node/spec";
import { KubeClient, loadKubeconfig } from "@steady/deploy";
import { acquireLock } from "../host/lock";
import { mountsUnder, readMountinfo } from "../real-node/mounts";
import { COMPONENTS, layout, resolveDataDir, type ComponentName, type Layout } from "../paths";
import { describeStopped, procTable, stopProcess, type ProcessTable } from "../host/processes";
import { cleanupRealNode, describeCleanup } from "../real-node/stop";
import { readState, removeState, type ClusterState } from "./state";
import type { StopOptions, StopResult, StoppedComponent } from "../types";

/** Entries a data directory may hold; --purge refuses to delete a directory with anything else. */
const OWN_ENTRIES = new Set([
  "state.json",
  "ports.json",
  "lock",
  "kubeconfig",
  "etcd",
  "pki",
  "logs",
  "kubeconfigs",
  "kwok",
  "node",
  // Real nodes 2..N of `up --real-nodes N`.
  ...Array.from({ length: MAX_REAL_NODES - 1 }, (_, i) => nodeIdentity(i + 2).dirName),
]);

/** Entries of `dir` that this package did not create (temporary files of ours excepted). */
export function foreignEntries(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((e) => !OWN_ENTRIES.has(e) && !/\.\d+\.tmp$/.test(e));
}

async function stopOne(
  table: ProcessTable,
  state: ClusterState,
  name: ComponentName,
): Promise<StoppedComponent | undefined> {
  const record = state.components[name];
  if (!record) return undefined;
  const outcome = await stopProcess(table, record, 10_000);
  const result =
    outcome === "term"
      ? "stopped"
      : outcome === "kill"
        ? "killed"
        : outcome === "gone"
          ? "not-running"
          : "not-ours";
  return { name, pid: record.pid, result };
}

/**
 * Stops every component recorded in `state` that is still ours: the simulator and controllers
 * first (in parallel), then the API server, then etcd. Results in component order.
 */
export async function stopComponents(
  state: ClusterState,
  table: ProcessTable,
): Promise<StoppedComponent[]> {
  const first = await Promise.all(
    (["kwok", "kube-scheduler", "kube-controller-manager"] as const).map((n) =>
      stopOne(table, state, n),
    ),
  );
  const apiserver = await stopOne(table, state, "kube-apiserver");
  const etcd = await stopOne(table, state, "etcd");
  const out = [...first, apiserver, etcd].filter((r): r is StoppedComponent => r !== undefined);
  return out.sort((a, b) => COMPONENTS.indexOf(a.name) - COMPONENTS.indexOf(b.name));
}

/**
 * Stops exactly the processes recorded in state.json (each only after its command line is
 * verified), in reverse start order, and removes state.json. Data is kept unless `purge`.
 */
export async function stopCluster(opts: StopOptions = {}): Promise<StopResult> {
  const t0 = Date.now();
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const table = opts.processTable ?? procTable;
  const l = layout(opts.dir ?? resolveDataDir(env));
  if (opts.purge) refuseForeignPurge(l);
  const stopped = existsSync(l.dataDir)
    ? await stopRecorded(l, { table, env, log })
    : { nothingRunning: true, components: [] };
  const { nothingRunning, components, realNodeLeftovers } = stopped;
  if (nothingRunning) log(`Nothing running in ${l.dataDir}.`);
  const purged = opts.purge ? purgeDataDir(l, log) : false;
  if (!purged && !nothingRunning) {
    log(`Data kept in ${l.dataDir} (${basename(l.dataDir)}/etcd, pki, logs); --purge removes it.`);
  }
  return {
    dataDir: l.dataDir,
    nothingRunning,
    components,
    purged,
    elapsedMs: Date.now() - t0,
    ...(realNodeLeftovers ? { realNodeLeftovers } : {}),
  };
}

/** Fails before anything is stopped when --purge would delete files steady-local did not create. */
function refuseForeignPurge(l: Layout): void {
  const foreign = foreignEntries(l.dataDir);
  if (foreign.length) {
    throw new Error(
      `Refusing to purge ${l.dataDir}: it holds ${foreign.slice(0, 5).join(", ")}, which ` +
        `steady-local did not create. Is --dir right?`,
    );
  }
}

/** Under the data dir's lock: the real node first, then the control plane; state.json goes. */
async function stopRecorded(
  l: Layout,
  c: { table: ProcessTable; env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<{
  nothingRunning: boolean;
  components: StoppedComponent[];
  realNodeLeftovers?: string[];
}> {
  const release = acquireLock(l.lockFile, c.table);
  try {
    const state = readState(l.stateFile);
    if (!state) return { nothingRunning: true, components: [] };
    if (state.realNode && !isRoot()) {
      throw new Error(
        `${l.dataDir} has a real node; stopping it needs root (it removes iptables chains, ` +
          "interfaces, mounts and cgroups): run it with sudo.",
      );
    }
    let realNodeLeftovers: string[] | undefined;
    // Nodes 2..N first: node 1 takes the iptables chains (and the claim) with it.
    const nodes = [...(state.extraRealNodes ?? [])].reverse();
    if (state.realNode) nodes.push(state.realNode);
    for (const node of nodes) {
      c.log(`Stopping the real node ${node.nodeName}:`);
      const api = existsSync(l.kubeconfig)
        ? () => new KubeClient({ ...loadKubeconfig(l.kubeconfig), timeoutMs: 5000 })
        : undefined;
      const r = await cleanupRealNode({ layout: l, node, ...c, api, removeApiObjects: true });
      describeCleanup(r).forEach((line) => c.log(line));
      realNodeLeftovers = [...(realNodeLeftovers ?? []), ...r.leftovers];
    }
    const components = await stopComponents(state, c.table);
    for (const s of components) c.log(describeStopped(s));
    removeState(l.stateFile);
    return {
      nothingRunning: false,
      components,
      ...(realNodeLeftovers ? { realNodeLeftovers } : {}),
    };
  } finally {
    release();
  }
}

/** Removes the data directory, never through a mount below it; whether it was there to remove. */
function purgeDataDir(l: Layout, log: (line: string) => void): boolean {
  const mounted = existsSync(l.dataDir) ? mountsUnder(readMountinfo(), l.dataDir) : [];
  if (mounted.length) {
    // Deleting through a mount would delete what is mounted there (a bind mount of a host path).
    throw new Error(
      `Not purging ${l.dataDir}: ${mounted.length} mount(s) below it remain ` +
        `(${mounted
          .slice(0, 3)
          .map((m) => m.mountPoint)
          .join(", ")}); unmount them first.`,
    );
  }
  if (!existsSync(l.dataDir)) return false;
  rmSync(l.dataDir, { recursive: true, force: true });
  log(`Removed the data directory ${l.dataDir}.`);
  return true;
}
