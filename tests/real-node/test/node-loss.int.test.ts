/**
 * Node loss on real containers: the sample app runs 3 replicas spread over two real nodes, a
 * load generator sends requests to its Service's cluster IP (a new connection each), and
 *
 * 1. node 2 is drained the graceful way (cordon, then the Eviction API, which honours the
 *    PodDisruptionBudget): no request may fail;
 * 2. after the pods are spread over both nodes again, node 2 is lost the abrupt way (SIGKILL to
 *    its kubelet, containerd, shims and containers). Requests routed to its pods fail until
 *    the node lifecycle controller marks it NotReady and its endpoints leave the Service; its
 *    pods are evicted after their node-loss toleration and replaced on node 1. Each moment is
 *    held to the bound nodeLossBounds derives from the control plane's settings.
 *
 * Only node 1 runs kube-proxy (both nodes share this machine's network namespace), and the
 * load generator runs on this machine: the node lost is node 2, as a client elsewhere would
 * see a worker vanish. Figures go to `.steady/it-real-2/reports/node-loss.json`.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import { serviceUrl, stateDir, underLoad, type UnderLoadResult } from "@steady/deployer";
import { KubeApiError, writeRecoveryReport, type KubeClient } from "@steady/deploy";
import { clusterStatus, nodeIdentity } from "@steady/local-cluster";
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { loadRun, useItDirs } from "./env";
import { appStack, client, platformStack, pods, selectorOf, serving, up, waitFor } from "./harness";
import {
  failuresByPhase,
  killNode,
  nodeLossBounds,
  nodeLossMoments,
  nodeLossReport,
  observe,
  type Observation,
} from "./node-loss";

const REPLICAS = 3;
/** The component's default (APP_DEFAULTS.nodeLossTolerationSeconds), set explicitly by config. */
const TOLERATION_S = 30;
const LOAD = { concurrency: 8, timeoutMs: 5000 };
const figures: Record<string, unknown> = {};
const log = (name: string) =>
  process.stderr.write(`[node-loss] ${name}: ${JSON.stringify(figures[name])}\n`);
const round = (n: number) => Math.round(n * 10) / 10;

let c: KubeClient;
let namespace: string;
let app: Stack;
let url: string;
let deployment: string;
let service: string;
const instance = "hello";
const lost = () => loadRun().nodes[1]!;

/** Ready pods per node. */
async function spread(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const p of (await pods(c, namespace, selectorOf(instance))).filter(serving)) {
    out[p.spec.nodeName!] = (out[p.spec.nodeName!] ?? 0) + 1;
  }
  return out;
}

function brief(r: UnderLoadResult<unknown>) {
  return {
    requests: r.total.requests,
    failed: r.total.failed,
    failures: r.total.failures,
    p50Ms: round(r.total.p50Ms),
    p99Ms: round(r.total.p99Ms),
  };
}

/** Cordons `node` and evicts its pods through the Eviction API (retrying on the PDB's 429). */
async function drain(node: string): Promise<void> {
  await c.request(
    "PATCH",
    `/api/v1/nodes/${node}`,
    { spec: { unschedulable: true } },
    { contentType: "application/merge-patch+json" },
  );
  for (;;) {
    const mine = (await pods(c, namespace, selectorOf(instance))).filter(
      (p) => p.spec.nodeName === node && !p.metadata.deletionTimestamp,
    );
    if (mine.length === 0) break;
    for (const p of mine) {
      const body = {
        apiVersion: "policy/v1",
        kind: "Eviction",
        metadata: { name: p.metadata.name, namespace },
      };
      try {
        await c.request(
          "POST",
          `/api/v1/namespaces/${namespace}/pods/${p.metadata.name}/eviction`,
          body,
        );
      } catch (e) {
        // 429: the PodDisruptionBudget allows no more disruption now; try again shortly.
        if (!(e instanceof KubeApiError && (e.statusCode === 429 || e.statusCode === 404))) throw e;
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  await waitFor("the drained pods gone and 3 Ready elsewhere", async () => {
    const all = await pods(c, namespace, selectorOf(instance));
    return all.every((p) => p.spec.nodeName !== node) && all.filter(serving).length >= REPLICAS;
  });
}

beforeAll(async () => {
  c = client();
  namespace = (await up(await platformStack())).namespace as string;
  app = await appStack({
    version: "v1",
    replicas: REPLICAS,
    nodeLossTolerationSeconds: TOLERATION_S,
  });
  const out = await up(app);
  deployment = out.deploymentName as string;
  service = out.serviceName as string;
  url = await serviceUrl(c, namespace, service);
  figures.loadAverageAtStart = loadavg().map(round);
});

afterAll(() => {
  const dir = join(stateDir(), "reports");
  mkdirSync(dir, { recursive: true });
  figures.loadAverageAtEnd = loadavg().map(round);
  writeFileSync(join(dir, "node-loss.json"), `${JSON.stringify(figures, null, 2)}\n`);
  c.close();
});

describe("node loss on two real nodes", () => {
  it("status reports both real nodes Ready, node 2 without a kube-proxy of its own", async () => {
    const s = await clusterStatus({ dir: useItDirs().clusterDir });
    expect(s.healthy).toBe(true);
    expect(s.realNode?.ready).toBe(true);
    expect(s.extraRealNodes?.map((n) => [n.name, n.ready, n.podCidr, n.bridge])).toEqual([
      ["steady-real-node-2", true, "10.251.1.0/24", "steady1"],
    ]);
    expect(s.extraRealNodes?.[0]?.components.map((c) => c.name)).toEqual(["containerd", "kubelet"]);
  });

  it("runs 3 replicas spread over both real nodes", async () => {
    const s = await waitFor("3 Ready pods on both real nodes", async () => {
      const now = await spread();
      const nodes = loadRun().nodes.map((n) => n.name);
      return (
        nodes.every((n) => (now[n] ?? 0) > 0) &&
        Object.values(now).reduce((a, b) => a + b, 0) >= REPLICAS &&
        now
      );
    });
    figures.spreadBefore = s;
  });

  it("drains node 2 under load without a failed request", async () => {
    const r = await underLoad({ url, ...LOAD }, async () => {
      const t = Date.now();
      await drain(lost().name);
      return (Date.now() - t) / 1000;
    });
    if (r.error) throw r.error;
    figures.drain = { ...brief(r), drainSeconds: round(r.result!), spreadAfter: await spread() };
    log("drain");
    expect(r.total.failed).toBe(0);
    expect(r.total.requests).toBeGreaterThan(100);
  });

  it("spreads the pods over both nodes again (uncordon, rollout restart)", async () => {
    await c.request(
      "PATCH",
      `/api/v1/nodes/${lost().name}`,
      { spec: { unschedulable: false } },
      { contentType: "application/merge-patch+json" },
    );
    const stamp = new Date().toISOString();
    await c.request(
      "PATCH",
      `/apis/apps/v1/namespaces/${namespace}/deployments/${deployment}`,
      { spec: { template: { metadata: { annotations: { "steady.dev/restarted-at": stamp } } } } },
      { contentType: "application/merge-patch+json" },
    );
    figures.spreadBeforeKill = await waitFor(
      "3 Ready pods over both nodes after the restart",
      async () => {
        const all = await pods(c, namespace, selectorOf(instance));
        const now = await spread();
        const settled = all.length === REPLICAS && all.every((p) => !p.metadata.deletionTimestamp);
        return settled && (now[lost().name] ?? 0) > 0 && Object.keys(now).length === 2 && now;
      },
    );
  });

  it("recovers from losing node 2 abruptly within the bounds of the node lifecycle settings", async () => {
    const target = {
      namespace,
      selector: selectorOf(instance),
      service,
      deployment,
      lost: lost().name,
    };
    const obs: Observation[] = [];
    let killAtMs = 0;
    let killed: number[] = [];
    const bounds = nodeLossBounds(TOLERATION_S);
    const r = await underLoad(
      { url, ...LOAD },
      async () => {
        obs.push(await observe(c, target));
        killAtMs = Date.now();
        killed = killNode({ ...lost(), cgroupRoot: nodeIdentity(2).cgroupRoot });
        const deadline = killAtMs + bounds.recoveredS * 1000;
        for (;;) {
          obs.push(await observe(c, target).catch(() => obs[obs.length - 1]!));
          const m = nodeLossMoments(obs, killAtMs, lost().name, REPLICAS);
          if (m.recoveredS !== undefined || Date.now() > deadline) return m;
          await new Promise((res) => setTimeout(res, 250));
        }
      },
      3000,
    );
    if (r.error) throw r.error;
    const m = r.result!;
    const phases = failuresByPhase(r.samples, r.startedAtEpochMs, killAtMs, m);
    figures.kill = {
      ...brief(r),
      processesKilled: killed.length,
      toleration: TOLERATION_S,
      bounds,
      moments: m,
      failedByPhase: phases,
      observations: obs.length,
    };
    const report = nodeLossReport(obs, killAtMs, m, {
      namespace,
      deployment,
      lost: lost().name,
      desired: REPLICAS,
    });
    figures.recoveryReport = writeRecoveryReport(join(stateDir(), "reports"), report);
    figures.fewestReady = report.minReady;
    figures.belowDesiredSeconds = report.unavailableSeconds;
    log("kill");
    expect(m.notReadyS).toBeDefined();
    expect(m.endpointsExcludedS).toBeLessThanOrEqual(bounds.endpointsExcludedS);
    expect(m.evictedS).toBeLessThanOrEqual(bounds.evictedS);
    expect(m.recoveredS).toBeLessThanOrEqual(bounds.recoveredS);
    // Failures may only come from requests routed to the dead pods before the endpoints
    // changed: none before the kill, none once the Service no longer lists them.
    expect(phases.beforeKill.failed).toBe(0);
    expect(phases.afterEndpointsExcluded.failed).toBe(0);
    // status sees the loss: node 2 NotReady, its kubelet and containerd dead, cluster unhealthy.
    const s = await clusterStatus({ dir: useItDirs().clusterDir });
    expect(s.healthy).toBe(false);
    expect(s.extraRealNodes?.[0]?.ready).toBe(false);
    expect(s.extraRealNodes?.[0]?.components.map((x) => x.liveness)).toEqual(["dead", "dead"]);
  });
});
