/**
 * "Without downtime", measured on requests: the sample app runs as real containers on the local
 * cluster's real node, a load generator keeps requests flowing to its Service's cluster IP
 * (routed by kube-proxy), and `pulumi up` rolls v1 to v2. Every request is counted.
 *
 * The control run deploys the same image as a plain Deployment with the safety switched off
 * (maxUnavailable 25%, no readiness probe, no preStop delay, exit at once on SIGTERM) and must
 * show failed requests: the measurement can fail. Then self-healing: a killed container is
 * restarted by the kubelet and a deleted pod replaced by the Deployment controller, with the
 * Service answering throughout.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import {
  rollOutUnderLoad,
  serviceUrl,
  stateDir,
  underLoad,
  type LoadSummary,
  type UnderLoadResult,
} from "@steady/deployer";
import type { KubeClient } from "@steady/local-cluster";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadRun } from "./env";
import {
  appStack,
  client,
  fixtureStack,
  killContainer,
  platformStack,
  pods,
  selectorOf,
  serving,
  up,
  waitFor,
} from "./harness";

const REPLICAS = 3;
const LOAD = { concurrency: 8, timeoutMs: 5000 };

/** Figures of one run, printed and kept in `.steady/it-real/reports/real-node.json`. */
const figures: Record<string, unknown> = {};

function record(name: string, r: UnderLoadResult<unknown>, extra: Record<string, unknown> = {}) {
  const round = (n: number) => Math.round(n * 10) / 10;
  const brief = (s: LoadSummary) => ({
    requests: s.requests,
    failed: s.failed,
    failures: s.failures,
    p50Ms: round(s.p50Ms),
    p99Ms: round(s.p99Ms),
    maxMs: round(s.maxMs),
    versions: s.versions,
    ratePerSecond: round(s.rate),
  });
  figures[name] = {
    updateSeconds: round((r.updateToMs - r.updateFromMs) / 1000),
    during: brief(r.during),
    total: brief(r.total),
    ...extra,
  };
  process.stderr.write(`[real-node] ${name}: ${JSON.stringify(figures[name])}\n`);
}

/** Requests per whole second of the load, and the seconds in which none succeeded. */
function silentSeconds(r: UnderLoadResult<unknown>): number[] {
  const last = Math.floor(Math.max(...r.samples.map((s) => s.startMs)) / 1000);
  const ok = new Set(r.samples.filter((s) => !s.error).map((s) => Math.floor(s.startMs / 1000)));
  return Array.from({ length: last + 1 }, (_, i) => i).filter((i) => !ok.has(i));
}

let c: KubeClient;
let namespace: string;

beforeAll(async () => {
  c = client();
  const platform = await up(await platformStack());
  namespace = platform.namespace as string;
});

afterAll(() => {
  const dir = join(stateDir(), "reports");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "real-node.json"), `${JSON.stringify(figures, null, 2)}\n`);
  c.close();
});

describe("the sample app on the real node", () => {
  let app: Stack;
  let url: string;

  it(`runs v1 as ${REPLICAS} real containers behind a Service that answers on its cluster IP`, async () => {
    app = await appStack({ version: "v1", replicas: REPLICAS });
    const out = await up(app);
    url = await serviceUrl(c, namespace, out.serviceName as string);
    const ready = await waitFor("3 serving pods", async () => {
      const ps = (await pods(c, namespace, selectorOf("hello"))).filter(serving);
      return ps.length === REPLICAS && ps;
    });
    for (const p of ready) {
      expect(p.spec.nodeName).toBe(loadRun().nodeName);
      expect(p.status?.containerStatuses?.[0]?.containerID).toMatch(/^containerd:\/\//);
    }
    const warm = await underLoad({ url, ...LOAD }, async () => undefined, 1000);
    expect(warm.total.failed).toBe(0);
    expect(Object.keys(warm.total.versions)).toEqual(["v1"]);
    expect(warm.total.pods).toBe(REPLICAS);
  });

  it("rolls out v2 under load with zero failed requests", async () => {
    app = await appStack({ version: "v2", replicas: REPLICAS });
    const r = await rollOutUnderLoad(app, c, { url, ...LOAD }, (s) => up(s));
    record("rollout", r, {
      rolloutSeconds: r.rollout?.report.durationSeconds,
      fewestReady: r.rollout?.report.minReady,
      rolloutReport: r.rollout?.json,
    });
    expect(r.error).toBeUndefined();
    expect(r.total.failures).toEqual({});
    expect(r.total.failed).toBe(0);
    expect(r.total.firstVersion).toBe("v1");
    expect(r.total.lastVersion).toBe("v2");
    expect(r.during.versions.v1).toBeGreaterThan(0);
    expect(r.during.versions.v2).toBeGreaterThan(0);
    expect(r.during.requests).toBeGreaterThan(100);
    expect(r.rollout?.report.minReady).toBeGreaterThanOrEqual(REPLICAS);
  });

  it("heals: the kubelet restarts a killed container, with the Service answering throughout", async () => {
    const [victim] = (await pods(c, namespace, selectorOf("hello"))).filter(serving);
    const container = victim!.status!.containerStatuses![0]!;
    const r = await underLoad({ url, ...LOAD }, async () => {
      killContainer(container.containerID!);
      await waitFor("the killed container to be restarted and Ready", async () => {
        const p = (await pods(c, namespace, selectorOf("hello"))).find(
          (x) => x.metadata.uid === victim!.metadata.uid,
        );
        const s = p?.status?.containerStatuses?.[0];
        return s && s.restartCount > container.restartCount && s.ready;
      });
    });
    record("killedContainer", r);
    expect(r.error).toBeUndefined();
    // A SIGKILLed process drops what it was serving; the other replicas must keep answering.
    expect(silentSeconds(r)).toEqual([]);
    expect(r.total.requests - r.total.failed).toBeGreaterThan(0);
  });

  it("heals: the Deployment controller replaces a deleted pod, with no failed request", async () => {
    const [victim] = (await pods(c, namespace, selectorOf("hello"))).filter(serving);
    const r = await underLoad({ url, ...LOAD }, async () => {
      await c.request("DELETE", `/api/v1/namespaces/${namespace}/pods/${victim!.metadata.name}`);
      await waitFor("a replacement pod, and every replica serving", async () => {
        const ps = await pods(c, namespace, selectorOf("hello"));
        const live = ps.filter(serving);
        return (
          !ps.some((p) => p.metadata.uid === victim!.metadata.uid) &&
          live.length === REPLICAS &&
          live
        );
      });
    });
    record("deletedPod", r);
    expect(r.error).toBeUndefined();
    expect(r.total.failed).toBe(0);
    expect(silentSeconds(r)).toEqual([]);
  });
});

describe("the control run: the same app without the rollout safety", () => {
  it("fails requests during the same v1 → v2 rollout", async () => {
    const config = (version: string) => ({
      namespace,
      image: loadRun().image,
      version,
      replicas: String(REPLICAS),
    });
    const unsafe = await fixtureStack("unsafe-app", "control", config("v1"));
    const out = await up(unsafe);
    const url = await serviceUrl(c, namespace, out.serviceName as string);
    await waitFor("3 running unsafe pods", async () => {
      const ps = (await pods(c, namespace, selectorOf("unsafe"))).filter(serving);
      return ps.length === REPLICAS;
    });
    // Without a readiness probe "Ready" only means started: give v1 a moment to listen.
    await new Promise((r) => setTimeout(r, 2000));
    await unsafe.setAllConfig(
      Object.fromEntries(Object.entries(config("v2")).map(([k, v]) => [k, { value: v }])),
    );
    const r = await underLoad({ url, ...LOAD }, () => up(unsafe));
    record("controlRollout", r);
    expect(r.error).toBeUndefined();
    // The point of the control: the same measurement does see failures when the safety is off.
    expect(r.total.failed).toBeGreaterThan(0);
    // And it did roll out: without readiness, "complete" comes before v2 listens, so wait for it.
    await waitFor("v2 to answer after the unsafe rollout", async () => {
      const probe = await underLoad({ url, concurrency: 1 }, async () => undefined, 200);
      return probe.total.lastVersion === "v2";
    });
    await unsafe.destroy({ onOutput: () => undefined });
  });
});
