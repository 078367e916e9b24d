/**
 * "Without downtime", measured on requests: the sample app runs as real containers on the local
 * cluster's real node, a load generator keeps requests flowing to its Service's cluster IP
 * (routed by kube-proxy), and `pulumi up` rolls v1 to v2. Every request is counted.
 *
 * The control run deploys the same image as a plain Deployment with the safety switched off all
 * at once (no probes, no preStop delay, exit at once on SIGTERM; its maxUnavailable 25% rounds
 * to 0 at 3 replicas) and must show failed requests: the measurement can fail. The isolating
 * control runs then take out one safety at a time from the sample app's own AppDeployment and
 * hold each to what repeated runs measured (./controls.ts), with every failure placed on the
 * rollout's pod timeline. Then self-healing: a killed container is restarted by the kubelet and
 * a deleted pod replaced by the Deployment controller, with the Service answering throughout.
 *
 * The figures of every run go to `.steady/it-real/reports/real-node.json`.
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
import type { KubeClient } from "@steady/deploy";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONTROL_RUNS, type ControlRun } from "./controls";
import { loadRun } from "./env";
import {
  appStack,
  client,
  fixtureStack,
  onlyVersionAnswers,
  killContainer,
  platformStack,
  pods,
  selectorOf,
  serving,
  up,
  waitFor,
} from "./harness";
import { comparableSpec, differences, type DeploymentLike } from "./spec-diff";
import { describeBursts, rolloutTimeline } from "./timeline";

const REPLICAS = 3;
const LOAD = { concurrency: 8, timeoutMs: 5000 };

/** Figures of one run, printed and kept in `.steady/it-real/reports/real-node.json`. */
const figures: Record<string, unknown> = {};

type Rollout = Awaited<ReturnType<typeof rollOutUnderLoad>>;

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

/** Records a rollout under load with its pod timeline and where its failures fell. */
function recordRollout(name: string, r: Rollout) {
  const timeline = rolloutTimeline(r, r.rollout?.report);
  const { events, bursts } = timeline;
  record(name, r, {
    rolloutSeconds: r.rollout?.report.durationSeconds,
    fewestReady: r.rollout?.report.minReady,
    failedAtOldPodLeaving: timeline.failedAtOldPodLeaving,
    failedAtNewPodReady: timeline.failedAtNewPodReady,
    rolloutReport: r.rollout?.json,
    failureBursts: describeBursts(bursts),
    podEvents: events.map((e) => `+${(e.atMs / 1000).toFixed(2)} s ${e.what}`),
  });
  return timeline;
}

/** Requests per whole second of the load, and the seconds in which none succeeded. */
function silentSeconds(r: UnderLoadResult<unknown>): number[] {
  const last = Math.floor(Math.max(...r.samples.map((s) => s.startMs)) / 1000);
  const ok = new Set(r.samples.filter((s) => !s.error).map((s) => Math.floor(s.startMs / 1000)));
  return Array.from({ length: last + 1 }, (_, i) => i).filter((i) => !ok.has(i));
}

let c: KubeClient;
let namespace: string;
/** The safe run's stack and Deployment, which every control run is compared with. */
let safe: { stack: Stack; deployment: string } | undefined;

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
    safe = { stack: app, deployment: out.deploymentName as string };
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
    recordRollout("rollout", r);
    expect(r.error).toBeUndefined();
    expect(r.total.failures).toEqual({});
    expect(r.total.failed).toBe(0);
    expect(r.total.firstVersion).toBe("v1");
    expect(r.during.versions.v1).toBeGreaterThan(0);
    expect(r.during.versions.v2).toBeGreaterThan(0);
    expect(r.during.requests).toBeGreaterThan(100);
    expect(r.rollout?.report.minReady).toBeGreaterThanOrEqual(REPLICAS);
    // Not "the load's last answer is v2": an old pod may answer through its preStop sleep for a
    // moment after the up returns (a run saw v1 last with no request failed). Then v2 alone.
    await onlyVersionAnswers(url, "v2", LOAD);
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
    const r = await rollOutUnderLoad(unsafe, c, { url, ...LOAD }, (s) => up(s));
    recordRollout("controlRollout", r);
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

/** The Deployment's spec as the API server has it, without what names it. */
async function deploymentSpec(name: string): Promise<unknown> {
  return comparableSpec(
    await c.get<DeploymentLike>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`),
  );
}

/**
 * One control run: v1 of the fixture with `control`'s safety removed, answering from every
 * replica, then `pulumi up` to v2 under the safe run's load. Returns the rollout, where its
 * failures fell, and how its Deployment differs from the safe run's; destroys it in any case.
 */
async function runControl(control: ControlRun, label: string) {
  if (!safe) throw new Error("the safe run did not deploy; the control runs compare with it");
  const safeConfig = await safe.stack.getAllConfig();
  const config = (version: string) => ({
    without: control.without,
    namespace,
    image: loadRun().image,
    version,
    replicas: String(REPLICAS),
    greeting: safeConfig["steady-app:greeting"]!.value,
    minReadySeconds: safeConfig["steady-app:minReadySeconds"]!.value,
  });
  const stack = await fixtureStack("control-app", control.without, config("v1"));
  try {
    const out = await up(stack);
    const instance = out.instance as string;
    const url = await serviceUrl(c, namespace, out.serviceName as string);
    // The safe run's start: v1 answering from every replica, no request failing.
    await waitFor(`v1 of ${instance} answering from ${REPLICAS} pods`, async () => {
      const warm = await underLoad({ url, ...LOAD }, async () => undefined, 500);
      return warm.total.failed === 0 && warm.total.pods === REPLICAS;
    });
    await stack.setAllConfig(
      Object.fromEntries(Object.entries(config("v2")).map(([k, v]) => [k, { value: v }])),
    );
    const r = await rollOutUnderLoad(stack, c, { url, ...LOAD }, (s) => up(s));
    const timeline = recordRollout(label, r);
    await waitFor(`v2 of ${instance} to answer`, async () => {
      const probe = await underLoad({ url, concurrency: 1 }, async () => undefined, 200);
      return probe.total.lastVersion === "v2";
    });
    const differs = differences(
      await deploymentSpec(safe.deployment),
      await deploymentSpec(out.deploymentName as string),
    );
    return { r, timeline, differs };
  } finally {
    await stack.destroy({ onOutput: () => undefined });
  }
}

describe("control runs: the same rollout with one safety removed", () => {
  it.each(CONTROL_RUNS)("without $removed", async (control) => {
    const { r, timeline, differs } = await runControl(control, `control-${control.without}`);
    expect(r.error).toBeUndefined();
    // Exactly the one safety differs from the safe run's Deployment, nothing else.
    expect(differs).toEqual(control.differs);
    expect(r.rollout?.report.minReady).toBe(control.fewestReady);
    const f = control.failures;
    if (f.failed === "none") {
      expect(r.total.failures).toEqual({});
      return;
    }
    for (const kind of Object.keys(r.total.failures)) expect(f.kinds).toContain(kind);
    const at =
      f.mostlyAt === "old pod left" ? timeline.failedAtOldPodLeaving : timeline.failedAtNewPodReady;
    expect(2 * at).toBeGreaterThanOrEqual(r.total.failed);
  });
});
