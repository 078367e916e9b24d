/**
 * What the node-loss drill observes, and the bounds it holds the cluster to. Pure, apart from
 * `observe` (reads the API) and `killNode` (sends SIGKILL).
 */
import { recoveryReport, type KubeClient, type RecoveryReport } from "@steady/deploy";
import type { RequestSample } from "@steady/deployer";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pods, serving } from "./harness";

/**
 * The control plane's node-lifecycle settings this drill depends on. The local cluster passes
 * neither flag to kube-controller-manager, so both are Kubernetes 1.34's defaults:
 * --node-monitor-grace-period 50 s (how long without a kubelet heartbeat before the node is
 * NotReady/Unknown and its pods are marked not Ready), --node-monitor-period 5 s (how often the
 * node lifecycle controller looks).
 */
export const NODE_LIFECYCLE = { gracePeriodS: 50, monitorPeriodS: 5 } as const;

/**
 * Slack for a 2-core machine shared with other work: API round trips, the EndpointSlice
 * controller, kube-proxy's 1 s minimum sync, and (for recovery) scheduling, container start and
 * the startup/readiness probes of the replacement pods.
 */
export const SLACK_S = { routing: 15, recovery: 60 } as const;

/**
 * Upper bounds after the kill, in seconds:
 * - endpoints exclude the lost node's pods <= grace + monitor period + routing slack
 * - the lost node's pods are evicted <= grace + monitor period + tolerationSeconds + routing slack
 * - the desired count is available again <= eviction bound + recovery slack
 */
export function nodeLossBounds(tolerationSeconds: number) {
  const notReady = NODE_LIFECYCLE.gracePeriodS + NODE_LIFECYCLE.monitorPeriodS;
  return {
    endpointsExcludedS: notReady + SLACK_S.routing,
    evictedS: notReady + tolerationSeconds + SLACK_S.routing,
    recoveredS: notReady + tolerationSeconds + SLACK_S.routing + SLACK_S.recovery,
  };
}

/** One look at the cluster during the drill. */
export interface Observation {
  /** Wall clock, ms. */
  readonly atMs: number;
  /** The lost node's Ready condition status ("True", "False", "Unknown"). */
  readonly nodeReady: string;
  /** The node.kubernetes.io taints on the lost node (unreachable, not-ready). */
  readonly nodeTaints: readonly string[];
  /** Ready endpoints of the Service, per node name. */
  readonly readyEndpoints: Readonly<Record<string, number>>;
  /** Ready, not terminating pods per node name. */
  readonly readyPods: Readonly<Record<string, number>>;
  /** Pods on the lost node with a deletionTimestamp (evicted). */
  readonly evictedOnLost: number;
  /** The Deployment's status.availableReplicas. */
  readonly available: number;
}

interface NodeObj {
  spec?: { taints?: { key: string; effect: string }[] };
  status?: { conditions?: { type: string; status: string }[] };
}
interface SliceObj {
  endpoints?: { nodeName?: string; conditions?: { ready?: boolean } }[];
}

const count = (names: readonly (string | undefined)[]) => {
  const out: Record<string, number> = {};
  for (const n of names) out[n ?? "?"] = (out[n ?? "?"] ?? 0) + 1;
  return out;
};

/** Reads the lost node, the Service's EndpointSlices, the pods and the Deployment once. */
export async function observe(
  c: KubeClient,
  o: { namespace: string; selector: string; service: string; deployment: string; lost: string },
): Promise<Observation> {
  const sliceSel = encodeURIComponent(`kubernetes.io/service-name=${o.service}`);
  const [node, slices, ps, dep] = await Promise.all([
    c.get<NodeObj>(`/api/v1/nodes/${o.lost}`),
    c.list<SliceObj>(
      `/apis/discovery.k8s.io/v1/namespaces/${o.namespace}/endpointslices?labelSelector=${sliceSel}`,
    ),
    pods(c, o.namespace, o.selector),
    c.get<{ status?: { availableReplicas?: number } }>(
      `/apis/apps/v1/namespaces/${o.namespace}/deployments/${o.deployment}`,
    ),
  ]);
  const endpoints = slices.items.flatMap((s) => s.endpoints ?? []);
  return {
    atMs: Date.now(),
    nodeReady: node.status?.conditions?.find((x) => x.type === "Ready")?.status ?? "absent",
    nodeTaints: (node.spec?.taints ?? [])
      .filter((t) => t.key.startsWith("node.kubernetes.io/"))
      .map((t) => `${t.key.slice("node.kubernetes.io/".length)}:${t.effect}`),
    readyEndpoints: count(endpoints.filter((e) => e.conditions?.ready).map((e) => e.nodeName)),
    readyPods: count(ps.filter(serving).map((p) => p.spec.nodeName)),
    evictedOnLost: ps.filter((p) => p.spec.nodeName === o.lost && p.metadata.deletionTimestamp)
      .length,
    available: dep.status?.availableReplicas ?? 0,
  };
}

/** The moments of a node loss, in seconds after the kill (undefined: not seen). */
export interface NodeLossMoments {
  readonly notReadyS?: number;
  readonly endpointsExcludedS?: number;
  readonly evictedS?: number;
  readonly recoveredS?: number;
}

/**
 * When, after `killAtMs`, the lost node was first seen not Ready, its pods first out of the
 * Service's ready endpoints, its pods first evicted, and `replicas` pods first Ready elsewhere
 * with the Deployment reporting them available.
 */
export function nodeLossMoments(
  obs: readonly Observation[],
  killAtMs: number,
  lost: string,
  replicas: number,
): NodeLossMoments {
  const after = obs.filter((o) => o.atMs >= killAtMs);
  const first = (p: (o: Observation) => boolean) => {
    const o = after.find(p);
    return o ? Math.round((o.atMs - killAtMs) / 100) / 10 : undefined;
  };
  const elsewhere = (o: Observation) =>
    Object.entries(o.readyPods)
      .filter(([n]) => n !== lost)
      .reduce((s, [, k]) => s + k, 0);
  return {
    notReadyS: first((o) => o.nodeReady !== "True"),
    endpointsExcludedS: first((o) => (o.readyEndpoints[lost] ?? 0) === 0),
    evictedS: first((o) => o.evictedOnLost > 0),
    recoveredS: first((o) => elsewhere(o) >= replicas && o.available >= replicas),
  };
}

/**
 * How long after the EndpointSlice shows the change requests may still be routed the old way:
 * kube-proxy's iptables minSyncPeriod (1 s), the drill's 250 ms polling, and margin.
 */
export const ROUTING_LAG_S = 2;

/**
 * Requests of a load, split by where on the node-loss timeline they fell: failures that ended
 * before the kill; requests started after the kill (or in flight at it) until ROUTING_LAG_S after
 * the endpoints excluded the lost pods (routed to dead pods); requests started after that.
 */
export function failuresByPhase(
  samples: readonly RequestSample[],
  loadStartEpochMs: number,
  killAtMs: number,
  m: NodeLossMoments,
) {
  const start = (s: RequestSample) => (loadStartEpochMs + s.startMs - killAtMs) / 1000;
  const end = (s: RequestSample) => start(s) + s.latencyMs / 1000;
  const excluded = (m.endpointsExcludedS ?? Infinity) + ROUTING_LAG_S;
  const phase = (xs: readonly RequestSample[]) => {
    const failed = xs.filter((s) => s.error);
    return {
      requests: xs.length,
      failed: failed.length,
      kinds: count(failed.map((s) => s.error)),
    };
  };
  return {
    beforeKill: phase(samples.filter((s) => end(s) < 0)),
    killToEndpointsExcluded: phase(samples.filter((s) => end(s) >= 0 && start(s) < excluded)),
    afterEndpointsExcluded: phase(samples.filter((s) => start(s) >= excluded)),
  };
}

/** The drill's observations as a recovery report (ready pods per node, the moments). */
export function nodeLossReport(
  obs: readonly Observation[],
  killAtMs: number,
  m: NodeLossMoments,
  o: { namespace: string; deployment: string; lost: string; desired: number },
): RecoveryReport {
  const t0 = obs[0]?.atMs ?? killAtMs;
  const at = (s: number | undefined) => (s === undefined ? [] : [killAtMs + s * 1000 - t0]);
  const moments = [
    ...at(0).map((t) => ({ t, label: "node lost" })),
    ...at(m.notReadyS).map((t) => ({ t, label: "NotReady" })),
    ...at(m.endpointsExcludedS).map((t) => ({ t, label: "endpoints exclude it" })),
    ...at(m.evictedS).map((t) => ({ t, label: "evicted" })),
    ...at(m.recoveredS).map((t) => ({ t, label: "replaced" })),
  ];
  return recoveryReport({
    namespace: o.namespace,
    deployment: o.deployment,
    lostNode: o.lost,
    desired: o.desired,
    startedAtMs: t0,
    finishedAtMs: obs[obs.length - 1]?.atMs ?? killAtMs,
    moments,
    samples: obs.map((x) => ({
      t: x.atMs - t0,
      ready: Object.values(x.readyPods).reduce((a, b) => a + b, 0),
      byNode: x.readyPods,
    })),
  });
}

/** Pids of processes whose command line contains `needle` (containerd shims name their socket). */
function pidsWithArg(needle: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (
        readFileSync(join("/proc", e, "cmdline"), "utf8")
          .split("\0")
          .includes(needle)
      ) {
        out.push(Number(e));
      }
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Pids in a cgroup directory and below it (cgroup v2 or one v1 hierarchy). */
function cgroupPids(dir: string): number[] {
  const out: number[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) if (e.isDirectory()) out.push(...cgroupPids(join(dir, e.name)));
  try {
    for (const l of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
      if (l) out.push(Number(l));
    }
  } catch {
    // none
  }
  return out;
}

/**
 * Loses a node the abrupt way: SIGKILL to its kubelet (no more heartbeats), its containerd, the
 * containerd shims of its socket and every process in its cgroup root (the containers), within
 * a few milliseconds. Nothing is told: no pod is deleted, no endpoint removed. Returns the pids.
 */
export function killNode(n: {
  kubeletPid: number;
  containerdPid: number;
  containerdSocket: string;
  cgroupRoot: string;
}): number[] {
  const hierarchies = ["/sys/fs/cgroup", ...cgroupV1Dirs()];
  const pids = [
    n.kubeletPid,
    n.containerdPid,
    ...pidsWithArg(n.containerdSocket),
    ...hierarchies.flatMap((h) => cgroupPids(join(h, n.cgroupRoot))),
  ];
  const killed: number[] = [];
  for (const pid of new Set(pids)) {
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // gone already
    }
  }
  return killed;
}

/** Mount points of cgroup v1 hierarchies, when the machine has them. */
function cgroupV1Dirs(): string[] {
  try {
    return readdirSync("/sys/fs/cgroup", { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsCgroupProcs(join("/sys/fs/cgroup", e.name)))
      .map((e) => join("/sys/fs/cgroup", e.name));
  } catch {
    return [];
  }
}

const existsCgroupProcs = (dir: string) => {
  try {
    readFileSync(join(dir, "cgroup.procs"));
    return true;
  } catch {
    return false;
  }
};
