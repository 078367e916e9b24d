import { execFile } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { findBinary } from "@steady/local-cluster";
import { KubeClient } from "@steady/deploy";
import { itDir } from "./env";
import { APP_SELECTOR, client, kubeconfig, list, stackOf, up, waitFor, type Obj } from "./harness";

// The node-loss drill: a staging-like app (3 replicas, PDB maxUnavailable 1, spread over zones and
// nodes) on three simulated nodes in three zones. One node stops reporting; the real node
// lifecycle and taint eviction controllers must notice, evict and replace its pod within a bound
// derived from the settings, while the Service always keeps a ready endpoint. Then a graceful
// `kubectl drain` of a node, which the PodDisruptionBudget must pace.

const NS = "steady-node-loss";
const ENV = "nodeloss";
const REPLICAS = 3;
/** Marks this drill's nodes, so its pods never land on another test's nodes in a shared cluster. */
const DRILL_LABEL = "steady.dev/drill";

/**
 * kube-controller-manager's --node-monitor-grace-period. The local cluster does not set it
 * (tools/local-cluster/src/control-plane/components.ts), so it is the 1.34 default: 50 s
 * (pkg/controller/nodelifecycle/config/v1alpha1/defaults.go).
 */
const NODE_MONITOR_GRACE_S = 50;
/** --node-monitor-period, the lifecycle controller's check interval (default 5 s). */
const NODE_MONITOR_PERIOD_S = 5;
/**
 * --node-eviction-rate (default 0.1 nodes per second, burst 1: cmd/kube-controller-manager/app/
 * options/nodelifecyclecontroller.go): the lifecycle controller taints a NotReady node NoExecute
 * from a queue this rate drains, so the taint may come up to 1 / rate after the condition.
 */
const NODE_EVICTION_RATE = 0.1;
/** kubectl drain retries an eviction the PodDisruptionBudget refused every 5 s (pkg/drain). */
const DRAIN_RETRY_S = 5;
/** kwok turns a scheduled pod Ready after 1 s (tools/local-cluster/kwok/stages.yaml). */
const KWOK_READY_DELAY_S = 1;
/** Room for a busy shared machine: scheduling, informer lag, the 250 ms sampling. */
const SLACK_S = 30;
/** Who holds a stopped node's Lease; kwok leaves a node whose Lease another holder has alone. */
const DRILL_HOLDER = "steady-node-loss-drill";
const NOT_READY_TAINT = "node.kubernetes.io/unreachable";
/** Node annotation that makes kwok's node stages leave the node's status alone. */
const SIMULATE_ANNOTATION = "steady.dev/simulate";

let kube: KubeClient;
let nodes: string[];
let serviceName: string;
const timings: Record<string, number | string | Record<string, number>> = {};

const since = (t0: number) => Math.round((Date.now() - t0) / 100) / 10;
const isReady = (o: Obj) =>
  (o.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
  );
const pods = () => list(kube, "api/v1", NS, "pods", APP_SELECTOR);
const servingPods = async () =>
  (await pods()).filter((p) => !p.metadata.deletionTimestamp && isReady(p));
const getNode = (n: string) => kube.get<Obj>(`/api/v1/nodes/${n}`);
const leasePath = (n: string) =>
  `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${n}`;
const deployment = async () =>
  (await list(kube, "apis/apps/v1", NS, "deployments", APP_SELECTOR))[0]!;

/** Ready endpoints of the app's Service, from its EndpointSlices. */
async function readyEndpoints(): Promise<number> {
  const sel = encodeURIComponent(`kubernetes.io/service-name=${serviceName}`);
  const slices = await kube.list<{ endpoints?: { conditions?: { ready?: boolean } }[] }>(
    `/apis/discovery.k8s.io/v1/namespaces/${NS}/endpointslices?labelSelector=${sel}`,
  );
  return slices.items.flatMap((s) => s.endpoints ?? []).filter((e) => e.conditions?.ready).length;
}

/** Stops the running sampler when a test fails before it does. */
let stopSampler: (() => Promise<unknown>) | undefined;

/** Samples ready endpoints and serving pods every 250 ms until stopped; keeps the minimum of each. */
function sampler() {
  const seen = { samples: 0, minEndpoints: Infinity, minServing: Infinity };
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const [e, s] = await Promise.all([readyEndpoints(), servingPods()]);
        seen.samples++;
        seen.minEndpoints = Math.min(seen.minEndpoints, e);
        seen.minServing = Math.min(seen.minServing, s.length);
      } catch {
        // A failed poll is not a zero; the next one counts.
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  const stop = async () => {
    running = false;
    await loop;
    return seen;
  };
  stopSampler = stop;
  return { stop };
}

/** Nodes of this drill that run a serving app pod, with how many each runs. */
async function podsPerNode(): Promise<Map<string, number>> {
  const m = new Map<string, number>();
  for (const p of await servingPods()) {
    const n = p.spec?.nodeName as string;
    m.set(n, (m.get(n) ?? 0) + 1);
  }
  return m;
}

async function waitFullyServing(what: string, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  await waitFor(
    what,
    async () => {
      const d = await deployment();
      const serving = await servingPods();
      return d.status?.availableReplicas === REPLICAS && serving.length === REPLICAS;
    },
    { timeoutMs, intervalMs: 250 },
  );
  return since(t0);
}

beforeAll(async () => {
  kube = client();
  const platform = await up(
    await stackOf("platform", "staging", ENV, { namespace: NS, environment: ENV }),
  );
  nodes = platform.nodeNames as string[];
  expect(nodes).toHaveLength(3);
  // Only the drill's app runs on the drill's nodes: labelled for its nodeSelector, tainted so that
  // other tests' pods (one cluster serves the whole tier) are neither stopped nor drained with them.
  for (const n of nodes) {
    await kube.request("PATCH", `/api/v1/nodes/${n}`, {
      metadata: { labels: { [DRILL_LABEL]: "node-loss" } },
      spec: { taints: [{ key: DRILL_LABEL, value: "node-loss", effect: "NoSchedule" }] },
    });
  }
  // kwok's node stages leave the victim's status alone from now on; its Lease, still renewed by
  // kwok, keeps it Ready until the drill takes the Lease over.
  await kube.request("PATCH", `/api/v1/nodes/${nodes[0]}`, {
    metadata: { annotations: { [SIMULATE_ANNOTATION]: "stopped" } },
  });
  const app = await up(
    await stackOf("app", "staging", ENV, {
      platformStack: `organization/steady-platform/${ENV}`,
      replicas: REPLICAS,
      nodeSelector: `${DRILL_LABEL}=node-loss`,
      tolerations: `${DRILL_LABEL}=node-loss:NoSchedule`,
    }),
  );
  serviceName = String(app.serviceName);
  await waitFullyServing("the app serving on 3 pods", 60_000);
});

afterEach(async () => {
  await stopSampler?.();
});

afterAll(async () => {
  mkdirSync(itDir(), { recursive: true });
  const file = join(itDir(), "node-loss-drill.json");
  writeFileSync(file, JSON.stringify(timings, null, 2) + "\n");
  process.stderr.write(`[node-loss] timings (${file}):\n${JSON.stringify(timings, null, 2)}\n`);
  kube.close();
});

describe("a node that stops reporting", () => {
  it("is marked NotReady, its pod evicted and replaced within the bound, endpoints never zero", async () => {
    const spread = await podsPerNode();
    expect([...spread.keys()].sort()).toEqual([...nodes].sort());
    const d = await deployment();
    const tolerations = d.spec.template.spec.tolerations as {
      key: string;
      tolerationSeconds?: number;
    }[];
    const toleration = tolerations.find((t) => t.key === NOT_READY_TAINT)!.tolerationSeconds!;
    const minReady = d.spec.minReadySeconds as number;
    // Last heartbeat -> NotReady after the grace period (checked every monitor period) -> pods
    // evicted once their toleration runs out -> replacements scheduled, Ready, and available.
    const bound =
      NODE_MONITOR_GRACE_S +
      NODE_MONITOR_PERIOD_S +
      toleration +
      KWOK_READY_DELAY_S +
      minReady +
      SLACK_S;
    const victim = nodes[0]!;
    const victimPods = (await servingPods())
      .filter((p) => p.spec.nodeName === victim)
      .map((p) => p.metadata.name);

    const watch = sampler();
    // The node stops reporting: kwok's stages already leave its status alone (the annotation set
    // in beforeAll, see tools/local-cluster/kwok/stages.yaml); now its Lease gets another holder,
    // renewed "now", and kwok no longer renews a Lease someone else holds.
    const t0 = Date.now();
    await kube.request("PATCH", leasePath(victim), {
      spec: {
        holderIdentity: DRILL_HOLDER,
        leaseDurationSeconds: 3600,
        renewTime: new Date().toISOString().replace("Z", "000Z"),
      },
    });
    const notReadyAt = await waitFor(
      `node ${victim} Ready condition to leave True`,
      async () => !isReady(await getNode(victim)) && Date.now(),
      {
        timeoutMs: (NODE_MONITOR_GRACE_S + NODE_MONITOR_PERIOD_S + SLACK_S) * 1000,
        intervalMs: 250,
      },
    );
    const node = await getNode(victim);
    const ready = node.status.conditions.find((c: { type: string }) => c.type === "Ready");
    expect(ready.status).toBe("Unknown");
    // The last heartbeat: the Lease renewal above, or a late status heartbeat of kwok's (the
    // lifecycle controller keeps its time on the Unknown condition). Every bound counts from it.
    const heartbeat = Math.max(t0, Date.parse(ready.lastHeartbeatTime));
    const after = (t: number) => Math.round((t - heartbeat) / 100) / 10;
    const notReadyS = after(notReadyAt);
    // The NoExecute taint follows the condition on a later pass of the lifecycle controller,
    // paced by the eviction rate: wait for it within the bound the settings give.
    const taintedAt = await waitFor(
      `the ${NOT_READY_TAINT}:NoExecute taint on ${victim}`,
      async () =>
        ((await getNode(victim)).spec.taints ?? []).some(
          (t: { key: string; effect: string }) =>
            t.key === NOT_READY_TAINT && t.effect === "NoExecute",
        ) && Date.now(),
      {
        timeoutMs: (NODE_MONITOR_PERIOD_S + 1 / NODE_EVICTION_RATE + SLACK_S) * 1000,
        intervalMs: 250,
      },
    );
    const evictedS = await waitFor(
      `the pods of ${victim} (${victimPods.join(", ")}) to be evicted`,
      async () => {
        const left = (await pods()).filter(
          (p) => victimPods.includes(p.metadata.name) && !p.metadata.deletionTimestamp,
        );
        return left.length === 0 && after(Date.now());
      },
      { timeoutMs: (toleration + SLACK_S) * 1000, intervalMs: 250 },
    );
    await waitFullyServing("3 available replicas again", bound * 1000);
    const recoveredS = after(Date.now());
    const seen = await watch.stop();
    const lease = await kube.get<{ spec: { holderIdentity: string } }>(leasePath(victim));
    const spreadAfter = await podsPerNode();

    Object.assign(timings, {
      kubernetesNodeMonitorGracePeriodS: NODE_MONITOR_GRACE_S,
      nodeLossTolerationSeconds: toleration,
      minReadySeconds: minReady,
      nodeLossBoundS: bound,
      nodeLossBoundFormula:
        "grace + monitorPeriod + tolerationSeconds + kwokReadyDelay + minReadySeconds + slack",
      lateHeartbeatAfterLeaseStolenS: Math.round((heartbeat - t0) / 100) / 10,
      nodeNotReadyAfterS: notReadyS,
      nodeTaintedAfterS: after(taintedAt),
      podsEvictedAfterS: evictedS,
      availableAgainAfterS: recoveredS,
      nodeLossMinReadyEndpoints: seen.minEndpoints,
      nodeLossSamples: seen.samples,
    });
    // No status heartbeat after the Lease was taken (kwok's pending one was replaced).
    expect(heartbeat).toBe(t0);
    // The real lifecycle path: not before the grace period, eviction not before the toleration.
    expect(notReadyS).toBeGreaterThanOrEqual(NODE_MONITOR_GRACE_S - 5);
    expect(evictedS - notReadyS).toBeGreaterThanOrEqual(toleration - 2);
    expect(recoveredS).toBeLessThanOrEqual(bound);
    expect(lease.spec.holderIdentity).toBe(DRILL_HOLDER);
    expect(spreadAfter.has(victim)).toBe(false);
    expect(seen.samples).toBeGreaterThan(20);
    expect(seen.minEndpoints).toBeGreaterThanOrEqual(1);
  });

  it("rejoins once it reports again (its Lease handed back to kwok)", async () => {
    const victim = nodes[0]!;
    const t0 = Date.now();
    await kube.request("PATCH", `/api/v1/nodes/${victim}`, {
      metadata: { annotations: { [SIMULATE_ANNOTATION]: null } },
    });
    await kube.request("DELETE", leasePath(victim));
    await waitFor(
      `kwok to hold the Lease of ${victim} again`,
      async () => {
        const l = await kube.get<{ spec: { holderIdentity?: string } }>(leasePath(victim));
        return l.spec.holderIdentity !== undefined && l.spec.holderIdentity !== DRILL_HOLDER;
      },
      { timeoutMs: 60_000 },
    );
    await waitFor(`node ${victim} Ready again`, async () => isReady(await getNode(victim)), {
      timeoutMs: 60_000,
    });
    await waitFor(`the ${NOT_READY_TAINT} taint to leave ${victim}`, async () => {
      const taints = ((await getNode(victim)).spec.taints ?? []) as { key: string }[];
      return !taints.some((t) => t.key.startsWith("node.kubernetes.io/"));
    });
    timings.nodeRejoinedAfterS = since(t0);
  });
});

describe("a graceful node drain", () => {
  it("is paced by the PodDisruptionBudget: serving pods never below desired - maxUnavailable", async () => {
    const [pdb] = await list(kube, "apis/policy/v1", NS, "poddisruptionbudgets", APP_SELECTOR);
    const maxUnavailable = pdb!.spec.maxUnavailable as number;
    const spread = await podsPerNode();
    // The node with the most app pods: with two there, the budget must hold the second eviction.
    const [target, count] = [...spread.entries()].sort((a, b) => b[1] - a[1])[0]!;
    // Each pod on the node leaves once the budget allows it: after the previous one's
    // replacement is scheduled, Ready (kwok) and available (minReadySeconds), at kubectl's next
    // retry, with room for busy controllers at each step. Deleted pods go at once on simulated
    // nodes (kwok/stages.yaml).
    const minReady = (await deployment()).spec.minReadySeconds as number;
    const replacedS = KWOK_READY_DELAY_S + minReady + DRAIN_RETRY_S;
    const drainBoundS = count * (replacedS + SLACK_S);
    const watch = sampler();
    const t0 = Date.now();
    const kubectl = findBinary("kubectl");
    const { stdout, stderr } = await promisify(execFile)(
      kubectl,
      [
        `--kubeconfig=${kubeconfig()}`,
        "drain",
        target,
        "--ignore-daemonsets",
        "--delete-emptydir-data",
        `--timeout=${drainBoundS}s`,
      ],
      { maxBuffer: 8 << 20 },
    );
    const drainS = since(t0);
    await waitFullyServing("3 available replicas after the drain", (replacedS + SLACK_S) * 1000);
    const seen = await watch.stop();
    const refusals = (stdout + stderr).match(/disruption budget/g)?.length ?? 0;
    const spreadAfter = await podsPerNode();
    Object.assign(timings, {
      drainNode: target,
      drainPodsOnNode: count,
      drainS,
      drainBoundS,
      drainBudgetRefusals: refusals,
      drainMinServingPods: seen.minServing,
      drainMinReadyEndpoints: seen.minEndpoints,
      pdbMaxUnavailable: maxUnavailable,
    });
    await promisify(execFile)(kubectl, [`--kubeconfig=${kubeconfig()}`, "uncordon", target]);
    expect(spreadAfter.has(target)).toBe(false);
    expect(seen.minServing).toBeGreaterThanOrEqual(REPLICAS - maxUnavailable);
    expect(seen.minEndpoints).toBeGreaterThanOrEqual(REPLICAS - maxUnavailable);
    // After the node-loss drill the pods run 2 + 1 on two nodes; draining the one with two, the
    // budget must refuse the second eviction until the first pod's replacement is available.
    expect(count).toBe(2);
    expect(refusals).toBeGreaterThanOrEqual(1);
  });
});
