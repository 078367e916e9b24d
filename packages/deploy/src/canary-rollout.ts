import type { Stack } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import {
  CANARY_ANALYSIS_DEFAULTS,
  analyzeCanary,
  failsEarly,
  type CanaryAnalysisConfig,
  type CanaryVerdict,
} from "./canary-analysis";
import { scrapeTracks, type CanaryScrapeTarget, type TrackPodScrapes } from "./canary-scrape";
import { guardedUp, type GuardedUpOptions } from "./guarded";
import { abortExitCode, runSignal } from "./interrupt";
import type { KubeClient } from "./kube-client";
import { writeJsonAndSvg } from "./report";
import { renderCanarySvg } from "./svg";

/**
 * The canary step driver: each step is one guarded `up` of a config change (so the state stays
 * in Pulumi and every step is a reviewed plan), with an analysis of canary against stable pods
 * between steps. A failed analysis aborts: the canary goes to zero pods through Pulumi, the
 * stable Deployment is untouched. Pure orchestration over {@link CanaryRolloutOps}; the stack
 * adapter is {@link stackCanaryOps}.
 */

/** A config change: keys (without the project prefix) to set and keys to remove. */
export interface ConfigChange {
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

/** One step of the rollout. */
export interface CanaryStep extends ConfigChange {
  /** How the step is named in output and report, e.g. `25 %`. */
  readonly name: string;
}

/** The steps, then the promotion, and the abort should an analysis fail. */
export interface CanaryPlan {
  readonly steps: readonly CanaryStep[];
  readonly promote: ConfigChange;
  readonly abort: ConfigChange;
}

/** The new version a canary rollout brings. */
export interface CanaryTarget {
  readonly image: string;
  readonly version: string;
  /** HELLO_FAILURE_RATIO of the canary pods: stages a bad version (tests and proofs only). */
  readonly failureRatio?: string;
}

const CANARY_KEYS = [
  "canaryImage",
  "canaryVersion",
  "canaryReplicas",
  "canaryWeightPercent",
  "canaryFailureRatio",
] as const;

/**
 * The issue's plan, in the sample-app stack's config keys: 1 pod, then 25 %, then 50 % of the
 * pods, then promote: the stable Deployment takes the new image and version in a rolling update
 * while the canary goes to zero pods. The canary Deployment is kept at zero rather than deleted,
 * so neither the promotion nor an abort needs the replacement guard to allow a delete.
 */
export function defaultCanaryPlan(t: CanaryTarget): CanaryPlan {
  const base = {
    canaryImage: t.image,
    canaryVersion: t.version,
    ...(t.failureRatio !== undefined ? { canaryFailureRatio: t.failureRatio } : {}),
  };
  const keepRatio = t.failureRatio === undefined ? ["canaryFailureRatio"] : [];
  return {
    steps: [
      {
        name: "1 pod",
        set: { ...base, canaryReplicas: "1" },
        remove: ["canaryWeightPercent", ...keepRatio],
      },
      {
        name: "25 %",
        set: { ...base, canaryWeightPercent: "25" },
        remove: ["canaryReplicas", ...keepRatio],
      },
      {
        name: "50 %",
        set: { ...base, canaryWeightPercent: "50" },
        remove: ["canaryReplicas", ...keepRatio],
      },
    ],
    promote: {
      set: { image: t.image, version: t.version, canaryReplicas: "0" },
      remove: ["canaryWeightPercent", "canaryFailureRatio"],
    },
    abort: { set: { canaryReplicas: "0" }, remove: ["canaryWeightPercent"] },
  };
}

/** What the driver needs from the world; {@link stackCanaryOps} gives the real ones. */
export interface CanaryRolloutOps {
  /** Applies a config change as one guarded up; throws when the up fails or is refused. */
  apply(label: string, change: ConfigChange): Promise<void>;
  /** Scrapes the serving pods of both tracks. */
  scrape(): Promise<TrackPodScrapes>;
  /** Waits the analysis window. */
  wait(ms: number): Promise<void>;
  /** Progress lines. */
  log(line: string): void;
}

/** One step in the report. */
export interface CanaryStepRecord {
  readonly name: string;
  readonly change: ConfigChange;
  readonly appliedAt: string;
  /** When the step's up finished (its pods Ready) and the analysis window began. */
  readonly upFinishedAt?: string;
  /**
   * When the analysis reached its verdict: on a fail, the moment the abort starts. With the
   * requests' own times it gives how long a bad canary served before the decision.
   */
  readonly decidedAt?: string;
  /** The analysis after the step; absent when the step's up failed. */
  readonly verdict?: CanaryVerdict;
  /** Seconds of the window the verdict covers: less than the window when it failed early. */
  readonly analysedSeconds?: number;
  readonly error?: string;
}

/** The abort in the report: its up started at `startedAt` and ended at `finishedAt`. */
export interface CanaryAbortRecord {
  readonly change: ConfigChange;
  readonly ok: boolean;
  readonly error?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
}

/** The rollout report, written as JSON next to the other rollout reports. */
export interface CanaryRolloutReport {
  /** `interrupted`: a signal stopped the run; no further up ran, not even the abort. */
  readonly outcome: "promoted" | "aborted" | "failed" | "interrupted";
  /** Why it did not promote. */
  readonly reason?: string;
  readonly steps: readonly CanaryStepRecord[];
  /** The abort's config change, when one was applied, whether it worked, and when it ran. */
  readonly abort?: CanaryAbortRecord;
  readonly promote?: ConfigChange;
  /** When the promotion's up started and ended (also when it failed). */
  readonly promotion?: { readonly startedAt: string; readonly finishedAt: string };
  readonly analysis: CanaryAnalysisConfig;
  readonly windowSeconds: number;
}

/** Options of {@link runCanaryRollout}. */
export interface CanaryRolloutOptions {
  /** Seconds between the first and the last scrape of each analysis. @default 60 */
  readonly windowSeconds?: number;
  /**
   * Seconds between looks inside the window: each look scrapes and judges what the canary served
   * since the window began, and a fail on errors ({@link failsEarly}) ends the analysis there.
   * @default {@link CANARY_CHECK_SECONDS}
   */
  readonly checkEverySeconds?: number;
  /** @default {@link CANARY_ANALYSIS_DEFAULTS} */
  readonly analysis?: CanaryAnalysisConfig;
  /** Clock for the report. @default - `new Date()` */
  readonly now?: () => Date;
  /**
   * Why the run was stopped (Ctrl-C, SIGTERM), once it was: the driver then starts no further
   * up, not even the abort, whose pulumi would not start anyway (see interrupt.ts). @default never
   */
  readonly stopped?: () => string | undefined;
}

/**
 * What an interrupted canary leaves, and what to run. Pulumi's graceful cancel writes the state
 * of what it applied and releases the lock, so the stack is consistent; only the canary's pods
 * are wherever the last finished up put them.
 */
export const INTERRUPTED_CANARY_NEXT =
  "the stack's state records what its last update applied and its lock is released; the canary " +
  "keeps the pods of the last finished step. Run the same `steady-deploy canary` command to start " +
  "again from its first step, or take the canary out as an abort does: " +
  "`pulumi config rm canaryWeightPercent` and `steady-deploy up --config canaryReplicas=0`";

/** Default analysis window: long enough for tens of requests at a few per second. */
export const CANARY_WINDOW_SECONDS = 60;

/** Default seconds between looks inside the window: a bad canary is stopped within about this. */
export const CANARY_CHECK_SECONDS = 5;

/** Runs the plan's steps with analysis between them; promotes, or aborts at the first fail. */
export async function runCanaryRollout(
  plan: CanaryPlan,
  ops: CanaryRolloutOps,
  options: CanaryRolloutOptions = {},
): Promise<CanaryRolloutReport> {
  const analysis = options.analysis ?? CANARY_ANALYSIS_DEFAULTS;
  const windowSeconds = options.windowSeconds ?? CANARY_WINDOW_SECONDS;
  const now = options.now ?? (() => new Date());
  const steps: CanaryStepRecord[] = [];
  const base = { steps, analysis, windowSeconds };
  const stopped = (where: string): CanaryRolloutReport | undefined => {
    const why = options.stopped?.();
    if (!why) return undefined;
    return {
      ...base,
      outcome: "interrupted",
      reason: `${why} ${where}; ${INTERRUPTED_CANARY_NEXT}`,
    };
  };
  for (const step of plan.steps) {
    const appliedAt = now().toISOString();
    const before = stopped(`before step ${step.name}`);
    if (before) return before;
    let upFinishedAt: string | undefined;
    try {
      ops.log(`canary step ${step.name}: guarded up`);
      await ops.apply(`canary step ${step.name}`, step);
      upFinishedAt = now().toISOString();
      ops.log(`canary step ${step.name}: analysing for ${windowSeconds} s`);
      const looked = await analyseStep(ops, {
        analysis,
        windowSeconds,
        checkEverySeconds: options.checkEverySeconds ?? CANARY_CHECK_SECONDS,
        stopped: () => options.stopped?.(),
      });
      if (looked === "stopped") return stopped(`during the analysis of step ${step.name}`)!;
      const { verdict, analysedSeconds } = looked;
      const decidedAt = now().toISOString();
      steps.push({
        ...{ name: step.name, change: step, appliedAt, upFinishedAt, decidedAt },
        ...{ verdict, analysedSeconds },
      });
      const early =
        analysedSeconds < windowSeconds ? ` after ${analysedSeconds} of ${windowSeconds} s` : "";
      ops.log(
        `canary step ${step.name}: ${verdict.verdict}${early}${verdict.reasons.map((r) => `\n  ${r}`).join("")}`,
      );
      if (verdict.verdict === "fail") {
        const reason = `analysis after step ${step.name} failed${early}: ${verdict.reasons.join("; ")}`;
        return { ...base, outcome: "aborted", reason, abort: await abort(plan, ops, now) };
      }
    } catch (error) {
      const message = (error as Error).message;
      // With its up's end when only the analysis failed (a scrape), so the report tells them apart.
      const up = upFinishedAt ? { upFinishedAt } : {};
      steps.push({ name: step.name, change: step, appliedAt, ...up, error: message });
      const cut = stopped(`during step ${step.name}`);
      if (cut) return cut;
      const reason = `step ${step.name} failed: ${message}`;
      return { ...base, outcome: "failed", reason, abort: await abort(plan, ops, now) };
    }
  }
  const beforePromote = stopped("before the promotion");
  if (beforePromote) return beforePromote;
  const startedAt = now().toISOString();
  try {
    await ops.apply("canary promote", plan.promote);
  } catch (error) {
    const cut = stopped("during the promotion");
    if (cut) return cut;
    const reason = `promotion failed: ${(error as Error).message}`;
    return {
      ...base,
      outcome: "failed",
      reason,
      promote: plan.promote,
      promotion: { startedAt, finishedAt: now().toISOString() },
      abort: await abort(plan, ops, now),
    };
  }
  const promotion = { startedAt, finishedAt: now().toISOString() };
  return { ...base, outcome: "promoted", promote: plan.promote, promotion };
}

/**
 * One step's analysis: a scrape at the window's start, then a look every `checkEverySeconds`
 * (and one at the window's end), each judging everything since the start. Ends at the first look
 * that {@link failsEarly}, else with the verdict over the whole window; "stopped" when a signal
 * came during a wait.
 */
async function analyseStep(
  ops: CanaryRolloutOps,
  o: {
    analysis: CanaryAnalysisConfig;
    windowSeconds: number;
    checkEverySeconds: number;
    stopped: () => string | undefined;
  },
): Promise<{ verdict: CanaryVerdict; analysedSeconds: number } | "stopped"> {
  const start = await ops.scrape();
  let elapsed = 0;
  for (;;) {
    const wait = Math.min(o.checkEverySeconds, o.windowSeconds - elapsed);
    await ops.wait(wait * 1000);
    elapsed += wait;
    if (o.stopped()) return "stopped";
    const now = await ops.scrape();
    const verdict = analyzeCanary(
      { before: start.canary, after: now.canary },
      { before: start.stable, after: now.stable },
      o.analysis,
    );
    if (elapsed >= o.windowSeconds || failsEarly(verdict)) {
      return { verdict, analysedSeconds: elapsed };
    }
  }
}

/** Takes the canary to zero through Pulumi; the stable Deployment is not part of the change. */
async function abort(
  plan: CanaryPlan,
  ops: CanaryRolloutOps,
  now: () => Date,
): Promise<CanaryAbortRecord> {
  const startedAt = now().toISOString();
  try {
    ops.log("canary abort: canary to zero pods (guarded up), stable untouched");
    await ops.apply("canary abort", plan.abort);
    return { change: plan.abort, ok: true, startedAt, finishedAt: now().toISOString() };
  } catch (error) {
    const message = (error as Error).message;
    return {
      change: plan.abort,
      ok: false,
      error: message,
      startedAt,
      finishedAt: now().toISOString(),
    };
  }
}

/**
 * Exit code of a canary rollout: 0 promoted, 6 aborted by analysis, 1 failed; interrupted: 130
 * after SIGINT, 143 after SIGTERM, as every other steady-deploy run.
 */
export function canaryExitCode(report: CanaryRolloutReport): number {
  if (report.outcome === "interrupted") return abortExitCode();
  return report.outcome === "promoted" ? 0 : report.outcome === "aborted" ? 6 : 1;
}

/**
 * Writes the report to `<stateDir>/rollouts/canary-<stack>-<time>.json` and its timeline
 * ({@link renderCanarySvg}) next to it, same name, `.svg`; returns both paths.
 */
export function writeCanaryReport(
  stateDir: string,
  stackName: string,
  report: CanaryRolloutReport,
  at = new Date(),
): { json: string; svg: string } {
  return writeJsonAndSvg(
    join(stateDir, "rollouts"),
    `canary-${stackName.replace(/\//g, "_")}`,
    at.toISOString(),
    report,
    renderCanarySvg(report, stackName),
  );
}

/** How {@link stackCanaryOps} runs each step's up. */
export interface CanaryUpOptions extends GuardedUpOptions {
  /**
   * Runs one guarded up, e.g. watched for rollout reports and under the outage bound, as
   * `steady-deploy canary` does with PreparedRun.upWithReports. @default - the up alone
   */
  readonly runUp?: (up: () => Promise<unknown>) => Promise<void>;
}

/**
 * The real {@link CanaryRolloutOps} for a stack: a step's config change is written to the
 * stack's config (`<project>:<key>`, as `--config` would) and applied by {@link guardedUp}
 * (replacement guard, policy packs, saved plan), through `upOptions.runUp` when given; scrapes
 * go through the API server's pod proxy.
 */
export function stackCanaryOps(
  stack: Stack,
  project: string,
  client: KubeClient,
  target: CanaryScrapeTarget,
  upOptions: CanaryUpOptions,
  log: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): CanaryRolloutOps {
  return {
    async apply(label, change) {
      const set = Object.fromEntries(
        Object.entries(change.set).map(([k, v]) => [`${project}:${k}`, { value: v }]),
      );
      if (Object.keys(set).length > 0) await stack.setAllConfig(set);
      if (change.remove.length > 0)
        await stack.removeAllConfig(change.remove.map((k) => `${project}:${k}`));
      upOptions.onOutput?.(`\n${label}\n`);
      const { runUp, ...guarded } = upOptions;
      const up = () => guardedUp(stack, guarded);
      await (runUp ? runUp(up) : up());
    },
    scrape: () => scrapeTracks(client, target),
    wait: (ms) => waitUnlessStopped(ms, runSignal()),
    log,
  };
}

/** Keys of the sample-app stack's canary settings, for callers that clean up by hand. */
export const SAMPLE_APP_CANARY_KEYS: readonly string[] = CANARY_KEYS;

/** Waits `ms`, or less when `signal` aborts first (Ctrl-C must not sit out an analysis window). */
export function waitUnlessStopped(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
