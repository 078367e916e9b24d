/**
 * Canary rollouts on real containers: the sample app runs on the real node behind its Service,
 * the load generator keeps requests flowing to the cluster IP (a new connection per request, so
 * kube-proxy spreads them over stable and canary pods), and steady-deploy's canary driver steps
 * v2 in with its analysis reading every pod's /metrics through the API server's pod proxy.
 *
 * 1. A good v2 goes through every step (1 pod, 25 %, 50 %) and is promoted: no request fails.
 * 2. A bad v2 (one `GET /` in five answers 500) is aborted after its first step by the analysis
 *    alone: the canary goes to zero pods, the stable Deployment and its pods are not touched.
 * 3. Control: the same bad v2 as a plain rolling update, under the same load for as long as the
 *    canary run took; the canary run must have failed at most a fifth as many requests.
 *
 * The analysis window is short ({@link WINDOW_SECONDS}) so the file runs in minutes. The figures
 * go to `.steady/it-real/reports/real-node-canary.json`.
 */
import type { Stack } from "@pulumi/pulumi/automation";
import {
  CANARY_ANALYSIS_DEFAULTS,
  defaultCanaryPlan,
  runCanaryRollout,
  stackCanaryOps,
  type CanaryRolloutOps,
  type CanaryRolloutReport,
  type CanaryTarget,
  type KubeClient,
} from "@steady/deploy";
import { serviceUrl, stateDir, underLoad, type UnderLoadResult } from "@steady/deployer";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { itDir, loadRun } from "./env";
import {
  appStack,
  client,
  fixtureStack,
  onlyVersionAnswers,
  platformStack,
  pods,
  selectorOf,
  serving,
  up,
  waitFor,
} from "./harness";

/**
 * Five stable pods: the first canary step's one pod then takes 1 request in 6, as a canary
 * among many replicas does, which is what bounds a bad canary's damage by traffic share.
 */
const REPLICAS = 5;
const LOAD = { concurrency: 8, timeoutMs: 5000 };
/** Seconds of each analysis; at the load's tens of requests a second the canary's pod gets
 * far more than the analysis' minRequests (checked below). */
const WINDOW_SECONDS = 15;
const PROJECT = "steady-app";
const METRICS_PORT = 8080;

const figures: Record<string, unknown> = {};
const log = (line: string) => process.stderr.write(`[real-node canary] ${line}\n`);

let c: KubeClient;
let namespace: string;
let app: Stack;
let url: string;
let selector: Record<string, string>;

interface DeploymentInfo {
  metadata: { name: string; generation: number; labels?: Record<string, string> };
  spec: {
    replicas: number;
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: { image: string }[] };
    };
  };
}

async function deployment(name: string): Promise<DeploymentInfo> {
  return c.get<DeploymentInfo>(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
}

/** The stable Deployment's pods (no track label) and the canary's. */
const stableSelector = () => `${selectorOf("hello")},!steady.dev/track`;
const canarySelector = () => `${selectorOf("hello")},steady.dev/track=canary`;

/** v1 of the sample app, no canary settings, every stable pod serving. */
async function deployV1(): Promise<void> {
  app = await appStack({ version: "v1", replicas: REPLICAS });
  const out = await up(app);
  url = await serviceUrl(c, namespace, out.serviceName as string);
  selector = out.selector as Record<string, string>;
  await waitFor(`${REPLICAS} serving v1 pods and no canary pod`, async () => {
    const all = await pods(c, namespace, selectorOf("hello"));
    return all.length === REPLICAS && all.filter(serving).length === REPLICAS;
  });
  const warm = await underLoad({ url, ...LOAD }, async () => undefined, 1000);
  expect(warm.total.failed).toBe(0);
  expect(Object.keys(warm.total.versions)).toEqual(["v1"]);
}

/** How long each guarded up of the driver took, by its label. */
type UpTimes = Record<string, number>;

/**
 * steady-deploy's canary driver, with its own stack operations (guarded up, pod-proxy scrapes),
 * on the sample-app stack while the load runs; each up is timed.
 */
async function canaryUnderLoad(target: CanaryTarget) {
  const upTimes: UpTimes = {};
  let pulumiLog = "";
  const real = stackCanaryOps(
    app,
    PROJECT,
    c,
    { namespace, selector, port: METRICS_PORT },
    { stateDir: join(itDir(), "canary-state"), onOutput: (s) => (pulumiLog += s) },
    log,
  );
  const ops: CanaryRolloutOps = {
    ...real,
    async apply(label, change) {
      const from = Date.now();
      await real.apply(label, change);
      upTimes[label] = Math.round((Date.now() - from) / 100) / 10;
    },
  };
  const r = await underLoad({ url, ...LOAD }, () =>
    runCanaryRollout(defaultCanaryPlan(target), ops, { windowSeconds: WINDOW_SECONDS }),
  );
  if (r.error) throw new Error(`the canary driver threw: ${r.error.message}\n${pulumiLog}`);
  return { r, report: r.result!, upTimes };
}

/** The figures of one run under load. */
function record(name: string, r: UnderLoadResult<unknown>, extra: Record<string, unknown>) {
  figures[name] = {
    updateSeconds: Math.round((r.updateToMs - r.updateFromMs) / 100) / 10,
    requests: r.total.requests,
    failed: r.total.failed,
    failures: r.total.failures,
    versions: r.total.versions,
    ratePerSecond: Math.round(r.total.rate),
    ...extra,
  };
  log(`${name}: ${JSON.stringify(figures[name])}`);
}

/** Ms from the update's end to the start of the last request `version` answered (negative: before). */
function lastAnswerAfterUpdate(r: UnderLoadResult<unknown>, version: string): number {
  // A loop, not Math.max(...): a run has over 100 000 samples, more than a call's arguments.
  let last = -Infinity;
  for (const x of r.samples)
    if (!x.error && x.version === version) last = Math.max(last, x.startMs);
  return Math.round(last - r.updateToMs);
}

/** Per step: canary requests analysed, their failures, and the verdict. */
function stepFigures(report: CanaryRolloutReport) {
  return report.steps.map((s) => ({
    step: s.name,
    verdict: s.verdict?.verdict,
    canaryRequests: s.verdict?.canary.requests,
    canaryFailures: s.verdict?.canary.failures,
    stableRequests: s.verdict?.stable.requests,
    canaryPods: s.verdict?.canary.pods,
    analysedSeconds: s.analysedSeconds,
  }));
}

beforeAll(async () => {
  c = client();
  namespace = (await up(await platformStack())).namespace as string;
  await deployV1();
});

afterAll(() => {
  const dir = join(stateDir(), "reports");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "real-node-canary.json"), `${JSON.stringify(figures, null, 2)}\n`);
  c.close();
});

/** Failed requests of the canary run, kept for the control's comparison. */
let canaryRun: { failed: number; updateMs: number } | undefined;

describe("steady-deploy's canary steps on the real node, under load", () => {
  it("promotes a good v2 through 1 pod, 25 % and 50 % with no failed request", async () => {
    const { r, report, upTimes } = await canaryUnderLoad({
      image: loadRun().image,
      version: "v2",
    });
    record("canaryGood", r, {
      outcome: report.outcome,
      upSeconds: upTimes,
      steps: stepFigures(report),
      lastV1AfterUpdateMs: lastAnswerAfterUpdate(r, "v1"),
    });
    expect(report.reason).toBeUndefined();
    expect(report.outcome).toBe("promoted");
    expect(report.steps.map((s) => s.verdict?.verdict)).toEqual(["pass", "pass", "pass"]);
    // A pass waits out the whole window, however many looks came before.
    expect(report.steps.map((s) => s.analysedSeconds)).toEqual([15, 15, 15]);
    // The analysis had real evidence at every step: the pod proxy reached the pods' /metrics.
    for (const s of report.steps) {
      expect(s.verdict!.canary.requests).toBeGreaterThanOrEqual(
        CANARY_ANALYSIS_DEFAULTS.minRequests,
      );
      expect(s.verdict!.stable.requests).toBeGreaterThan(0);
    }
    expect(r.total.failures).toEqual({});
    expect(r.total.failed).toBe(0);
    expect(r.total.firstVersion).toBe("v1");
    expect(r.total.versions["v2"]).toBeGreaterThan(0);
    const out = await app.outputs();
    const stable = await deployment(out.deploymentName!.value as string);
    expect(stable.spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("v2");
    expect((await deployment(out.canaryDeploymentName!.value as string)).spec.replicas).toBe(0);
    // An old pod may still answer for a moment after the up returns (it serves through its
    // preStop sleep until kube-proxy drops it); then only v2 answers.
    await onlyVersionAnswers(url, "v2", LOAD);
  });

  it("aborts a bad v2 after its first step: canary at zero pods, stable Deployment and pods untouched", async () => {
    await deployV1();
    const out = await app.outputs();
    const stableName = out.deploymentName!.value as string;
    const before = await deployment(stableName);
    const podsBefore = (await pods(c, namespace, stableSelector())).map((p) => p.metadata.uid);
    const { r, report, upTimes } = await canaryUnderLoad({
      image: loadRun().image,
      version: "v2",
      failureRatio: "0.2",
    });
    const step = report.steps[0]!;
    // From the first failed request (on the load's clock) to the analysis' verdict.
    const firstFailed = r.samples.reduce(
      (t, s) => (s.error ? Math.min(t, s.startMs) : t),
      Infinity,
    );
    const decisionSeconds =
      (Date.parse(step.decidedAt!) - (r.startedAtEpochMs + firstFailed)) / 1000;
    record("canaryBad", r, {
      outcome: report.outcome,
      reason: report.reason,
      upSeconds: upTimes,
      steps: stepFigures(report),
      firstFailedToDecisionSeconds: Math.round(decisionSeconds * 10) / 10,
      lastV2AfterUpdateMs: lastAnswerAfterUpdate(r, "v2"),
      abortSeconds:
        (Date.parse(report.abort!.finishedAt) - Date.parse(report.abort!.startedAt)) / 1000,
    });
    expect(report.outcome).toBe("aborted");
    expect(report.steps.map((s) => s.name)).toEqual(["1 pod"]);
    // Decided at the first look, 5 s into the 15 s window: the errors were plain by then.
    expect(report.reason).toMatch(
      /^analysis after step 1 pod failed after 5 of 15 s: maxErrorRate/,
    );
    expect(report.steps[0]!.analysedSeconds).toBe(5);
    expect(report.abort).toEqual(expect.objectContaining({ ok: true }));
    // The failures are the canary's 500s, and the decision came within the window and its scrapes.
    expect(Object.keys(r.total.failures)).toEqual(["HTTP 500"]);
    expect(decisionSeconds).toBeGreaterThan(0);
    expect(decisionSeconds).toBeLessThan(WINDOW_SECONDS + 15);
    const canaryName = (await app.outputs()).canaryDeploymentName!.value as string;
    expect((await deployment(canaryName)).spec.replicas).toBe(0);
    await waitFor(
      "no canary pod left",
      async () => (await pods(c, namespace, canarySelector())).length === 0,
    );
    const after = await deployment(stableName);
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.spec.template.spec.containers[0]!.image).toBe(
      before.spec.template.spec.containers[0]!.image,
    );
    const podsAfter = (await pods(c, namespace, stableSelector())).map((p) => p.metadata.uid);
    expect(podsAfter.sort()).toEqual(podsBefore.sort());
    await onlyVersionAnswers(url, "v1", LOAD);
    canaryRun = { failed: r.total.failed, updateMs: r.updateToMs - r.updateFromMs };
  });
});

describe("control: the same bad v2 as a plain rolling update", () => {
  it("fails at least five times as many requests in the same time", async () => {
    if (!canaryRun)
      throw new Error("the bad canary run did not finish; the control compares with it");
    const window = canaryRun.updateMs;
    const base = { namespace, image: loadRun().image, replicas: String(REPLICAS) };
    const safeConfig = await app.getAllConfig();
    const config = {
      ...base,
      version: "v1",
      greeting: safeConfig[`${PROJECT}:greeting`]!.value,
      minReadySeconds: safeConfig[`${PROJECT}:minReadySeconds`]!.value,
    };
    const plain = await fixtureStack("bad-rollout", "control", config);
    try {
      const out = await up(plain);
      const plainUrl = await serviceUrl(c, namespace, out.serviceName as string);
      await waitFor(`v1 of plain answering from ${REPLICAS} pods`, async () => {
        const warm = await underLoad({ url: plainUrl, ...LOAD }, async () => undefined, 500);
        return warm.total.failed === 0 && warm.total.pods === REPLICAS;
      });
      await plain.setAllConfig({ version: { value: "v2" }, failureRatio: { value: "0.2" } });
      // The rolling update, then the bad version serving, for as long as the canary run's update.
      const r = await underLoad({ url: plainUrl, ...LOAD }, async () => {
        const from = Date.now();
        await up(plain);
        const rolledOutSeconds = (Date.now() - from) / 1000;
        await new Promise((done) => setTimeout(done, Math.max(0, window - (Date.now() - from))));
        return rolledOutSeconds;
      });
      expect(r.error).toBeUndefined();
      record("controlBad", r, {
        rolloutSeconds: Math.round((r.result as number) * 10) / 10,
        canaryRunFailed: canaryRun.failed,
      });
      expect(Object.keys(r.total.failures)).toEqual(["HTTP 500"]);
      expect(r.total.lastVersion).toBe("v2");
      expect(canaryRun.failed).toBeLessThanOrEqual(r.total.failed / 5);
    } finally {
      await plain.destroy({ onOutput: () => undefined });
    }
  });
});
