import type { Stack } from "@pulumi/pulumi/automation";
import { readFileSync } from "node:fs";
import { useTempDir } from "@steady/testing";
import type { PodScrape } from "../src/canary-analysis";
import {
  INTERRUPTED_CANARY_NEXT,
  canaryExitCode,
  defaultCanaryPlan,
  runCanaryRollout,
  stackCanaryOps,
  waitUnlessStopped,
  writeCanaryReport,
  type CanaryRolloutOps,
  type ConfigChange,
} from "../src/canary-rollout";
import { abortRun, resetRun } from "../src/interrupt";
import type { KubeClient } from "../src/kube-client";
import { parsePromText } from "../src/prom-text";

/** A pod's /metrics with `ok` 2xx and `failed` 5xx requests on /, all fast. */
function pod(name: string, ok: number, failed: number): PodScrape {
  const n = ok + failed;
  const text = [
    `hello_http_requests_total{route="hello",status_class="2xx",version="v"} ${ok}`,
    `hello_http_requests_total{route="hello",status_class="5xx",version="v"} ${failed}`,
    `hello_http_request_duration_seconds_bucket{le="0.005",version="v",route="hello"} ${n}`,
    `hello_http_request_duration_seconds_bucket{le="+Inf",version="v",route="hello"} ${n}`,
  ].join("\n");
  return { pod: name, samples: parsePromText(text) };
}

/**
 * Fake world: every scrape adds 100 requests to each stable pod and 50 to the canary, of which
 * `canaryFailShare` fail; `failOn` makes the up with that label throw.
 */
function world(canaryFailShare: number, failOn: string[] = []) {
  const applied: { label: string; change: ConfigChange }[] = [];
  let scrapes = 0;
  const ops: CanaryRolloutOps = {
    async apply(label, change) {
      applied.push({ label, change });
      if (failOn.includes(label)) throw new Error(`${label}: the Deployment did not become ready`);
    },
    async scrape() {
      scrapes += 1;
      const failed = Math.round(50 * scrapes * canaryFailShare);
      return {
        canary: [pod("hello-canary-1", 50 * scrapes - failed, failed)],
        stable: [pod("hello-1", 100 * scrapes, 0), pod("hello-2", 100 * scrapes, 0)],
      };
    },
    wait: async () => undefined,
    log: () => undefined,
  };
  return { ops, applied };
}

const plan = defaultCanaryPlan({ image: "steady/hello:1.1.0", version: "v2" });
const now = () => new Date("2026-12-02T06:00:00.000Z");

describe("runCanaryRollout", () => {
  it("promotes a healthy canary after 1 pod, 25 % and 50 %, each a guarded up", async () => {
    const w = world(0);
    const report = await runCanaryRollout(plan, w.ops, { now, windowSeconds: 30 });
    expect(w.applied.map((a) => a.label)).toEqual([
      "canary step 1 pod",
      "canary step 25 %",
      "canary step 50 %",
      "canary promote",
    ]);
    expect(report.outcome).toBe("promoted");
    expect(report.steps.map((s) => s.verdict?.verdict)).toEqual(["pass", "pass", "pass"]);
    expect(report.windowSeconds).toBe(30);
    expect(canaryExitCode(report)).toBe(0);
  });

  it("looks every 5 s: a failing canary is decided at the first look, a healthy one waits out the window", async () => {
    const waits: number[] = [];
    const bad = world(0.2);
    const badReport = await runCanaryRollout(
      plan,
      { ...bad.ops, wait: async (ms) => void waits.push(ms) },
      { now, windowSeconds: 12 },
    );
    expect(waits).toEqual([5000]);
    expect(badReport.steps[0]!.analysedSeconds).toBe(5);
    waits.length = 0;
    const good = world(0);
    const goodReport = await runCanaryRollout(
      plan,
      { ...good.ops, wait: async (ms) => void waits.push(ms) },
      { now, windowSeconds: 12 },
    );
    // Three steps, each 5 + 5 + 2 s: the last look falls on the window's end.
    expect(waits).toEqual([5000, 5000, 2000, 5000, 5000, 2000, 5000, 5000, 2000]);
    expect(goodReport.steps.map((x) => x.analysedSeconds)).toEqual([12, 12, 12]);
    expect(goodReport.outcome).toBe("promoted");
  });

  it("judges each look on everything since the window began, and may be told to look only at its end", async () => {
    const waits: number[] = [];
    const w = world(0.2);
    const report = await runCanaryRollout(
      plan,
      { ...w.ops, wait: async (ms) => void waits.push(ms) },
      { now, windowSeconds: 30, checkEverySeconds: 30 },
    );
    expect(waits).toEqual([30000]);
    expect(report.steps[0]!.analysedSeconds).toBe(30);
    expect(report.reason).toMatch(/^analysis after step 1 pod failed: /);
  });

  it("aborts a canary failing one request in five after its first step: canary to zero, stable untouched", async () => {
    const w = world(0.2);
    const report = await runCanaryRollout(plan, w.ops, { now });
    expect(w.applied.map((a) => a.label)).toEqual(["canary step 1 pod", "canary abort"]);
    expect(w.applied[1]!.change).toEqual({
      set: { canaryReplicas: "0" },
      remove: ["canaryWeightPercent"],
    });
    // The stable Deployment's settings are in no change the abort made.
    for (const a of w.applied) expect(Object.keys(a.change.set)).not.toContain("image");
    expect(report.outcome).toBe("aborted");
    expect(report.reason).toMatch(
      /^analysis after step 1 pod failed after 5 of 60 s: maxErrorRate: canary error rate 20\.0 %/,
    );
    expect(report.abort).toEqual(expect.objectContaining({ change: plan.abort, ok: true }));
    expect(canaryExitCode(report)).toBe(6);
  });

  it("times each step: up finished, verdict reached, and the abort's start and end", async () => {
    // A clock that moves one second per reading, so each time says which reading it was.
    let tick = 0;
    const ticking = () => new Date(Date.UTC(2026, 11, 2, 6, 0, tick++));
    const at = (s: number) => `2026-12-02T06:00:0${s}.000Z`;
    const report = await runCanaryRollout(plan, world(0.2).ops, { now: ticking });
    expect(report.steps[0]).toEqual(
      expect.objectContaining({ appliedAt: at(0), upFinishedAt: at(1), decidedAt: at(2) }),
    );
    expect(report.abort).toEqual(
      expect.objectContaining({ ok: true, startedAt: at(3), finishedAt: at(4) }),
    );
  });

  it("aborts when a step's up fails, and reports the step's error", async () => {
    const w = world(0, ["canary step 25 %"]);
    const report = await runCanaryRollout(plan, w.ops, { now });
    expect(w.applied.map((a) => a.label)).toEqual([
      "canary step 1 pod",
      "canary step 25 %",
      "canary abort",
    ]);
    expect(report.outcome).toBe("failed");
    expect(report.steps[1]).toEqual(
      expect.objectContaining({
        name: "25 %",
        error: "canary step 25 %: the Deployment did not become ready",
      }),
    );
    expect(canaryExitCode(report)).toBe(1);
  });

  it("says so when the abort itself fails, so the operator knows the canary still runs", async () => {
    const w = world(0.2, ["canary abort"]);
    const report = await runCanaryRollout(plan, w.ops, { now });
    expect(report.abort).toEqual({
      change: plan.abort,
      ok: false,
      error: "canary abort: the Deployment did not become ready",
      startedAt: now().toISOString(),
      finishedAt: now().toISOString(),
    });
  });
});

describe("defaultCanaryPlan", () => {
  it("steps 1 pod, 25 %, 50 %, then promotes the image and keeps the canary Deployment at zero", () => {
    expect(
      plan.steps.map((s) => [
        s.name,
        s.set["canaryReplicas"] ?? `${s.set["canaryWeightPercent"]}%`,
      ]),
    ).toEqual([
      ["1 pod", "1"],
      ["25 %", "25%"],
      ["50 %", "50%"],
    ]);
    expect(plan.promote).toEqual({
      set: { image: "steady/hello:1.1.0", version: "v2", canaryReplicas: "0" },
      remove: ["canaryWeightPercent", "canaryFailureRatio"],
    });
  });

  it("stages a failing canary only when asked to", () => {
    const bad = defaultCanaryPlan({ image: "i:2", version: "v2", failureRatio: "0.2" });
    expect(bad.steps.every((s) => s.set["canaryFailureRatio"] === "0.2")).toBe(true);
    expect(plan.steps.every((s) => s.remove.includes("canaryFailureRatio"))).toBe(true);
  });
});

describe("writeCanaryReport", () => {
  const t = useTempDir();
  it("writes the report as JSON under rollouts/ and its timeline next to it", async () => {
    const report = await runCanaryRollout(plan, world(0.2).ops, { now });
    const files = writeCanaryReport(t.dir, "org/steady-app/prod", report, now());
    const base = `${t.dir}/rollouts/canary-org_steady-app_prod-2026-12-02T06-00-00-000Z`;
    expect(files).toEqual({ json: `${base}.json`, svg: `${base}.svg` });
    expect(JSON.parse(readFileSync(files.json, "utf8"))).toEqual(
      JSON.parse(JSON.stringify(report)),
    );
    expect(readFileSync(files.svg, "utf8")).toContain("canary of org/steady-app/prod: aborted");
  });
});

describe("runCanaryRollout interrupted by a signal", () => {
  afterEach(() => resetRun());

  it("starts no further up, not even the abort, when Ctrl-C cancels a step's up", async () => {
    const w = world(0);
    let why: string | undefined;
    const apply = w.ops.apply;
    w.ops.apply = async (label, change) => {
      await apply(label, change);
      if (label === "canary step 25 %") {
        why = "SIGINT received";
        throw new Error("the update was cancelled");
      }
    };
    const report = await runCanaryRollout(plan, w.ops, { now, stopped: () => why });
    expect(w.applied.map((a) => a.label)).toEqual(["canary step 1 pod", "canary step 25 %"]);
    expect(report.outcome).toBe("interrupted");
    expect(report.abort).toBeUndefined();
    expect(report.reason).toContain("SIGINT received during step 25 %; ");
    expect(report.reason).toContain(INTERRUPTED_CANARY_NEXT);
    expect(report.steps.map((s) => s.error ?? s.verdict?.verdict)).toEqual([
      "pass",
      "the update was cancelled",
    ]);
  });

  it("ends an analysis window early and applies nothing after it", async () => {
    const w = world(0);
    let why: string | undefined;
    w.ops.wait = async () => {
      why = "SIGTERM received";
    };
    const report = await runCanaryRollout(plan, w.ops, { now, stopped: () => why });
    expect(w.applied.map((a) => a.label)).toEqual(["canary step 1 pod"]);
    expect(report.reason).toMatch(/^SIGTERM received during the analysis of step 1 pod; /);
  });

  it("exits as every interrupted steady-deploy run does: 130 after SIGINT", async () => {
    abortRun("SIGINT received", "SIGINT");
    const report = await runCanaryRollout(plan, world(0).ops, {
      now,
      stopped: () => "SIGINT received",
    });
    expect(report.outcome).toBe("interrupted");
    expect(canaryExitCode(report)).toBe(130);
  });
});

describe("waitUnlessStopped", () => {
  it("returns at once when the run is aborted during the wait", async () => {
    const c = new AbortController();
    const started = Date.now();
    setTimeout(() => c.abort(), 20);
    await waitUnlessStopped(60_000, c.signal);
    expect(Date.now() - started).toBeLessThan(30_000);
  });
});

describe("stackCanaryOps", () => {
  it("runs each step's up through runUp (rollout reports and outage bound) after setting its config", async () => {
    const calls: string[] = [];
    const stack = {
      setAllConfig: async (c: Record<string, unknown>) =>
        void calls.push(`set ${Object.keys(c).join(",")}`),
      removeAllConfig: async (k: string[]) => void calls.push(`rm ${k.join(",")}`),
    } as unknown as Stack;
    const ops = stackCanaryOps(
      stack,
      "app",
      {} as KubeClient,
      { namespace: "n", selector: {}, port: 1 },
      {
        runUp: async () => void calls.push("runUp"),
      },
    );
    await ops.apply("canary abort", plan.abort);
    expect(calls).toEqual(["set app:canaryReplicas", "rm app:canaryWeightPercent", "runUp"]);
  });
});
