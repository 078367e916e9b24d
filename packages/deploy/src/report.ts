import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { summarize, type RolloutReport } from "./rollout-watch";
import { renderRecoverySvg, renderTimelineSvg } from "./svg";

/** A human summary of a rollout report, a few lines long. */
export function formatReport(r: RolloutReport): string {
  const verdict =
    r.minReady >= r.desired
      ? "capacity never dropped below the desired count"
      : `capacity dropped to ${r.minReady} of ${r.desired} for ${r.unavailableSeconds} s`;
  return [
    `Rollout of deployment ${r.namespace}/${r.deployment}`,
    `  old ReplicaSet(s): ${r.oldReplicaSets.join(", ") || "(none)"}`,
    `  new ReplicaSet:    ${r.newReplicaSet ?? "(unknown)"}`,
    `  duration:          ${r.durationSeconds.toFixed(1)} s (${r.startedAt} -> ${r.finishedAt})`,
    `  fewest ready pods: ${r.minReady} (desired ${r.desired}): ${verdict}`,
  ].join("\n");
}

/** Writes the report as JSON and its timeline as SVG under `dir`; returns both paths. */
export function writeReport(dir: string, r: RolloutReport): { json: string; svg: string } {
  return writeJsonAndSvg(dir, `rollout-${r.deployment}`, r.finishedAt, r, renderTimelineSvg(r));
}

/**
 * Writes `report` as `<dir>/<prefix>-<at>.json` and `svg` beside it as `.svg`, with `:` and `.`
 * of the ISO time `at` as `-` (a portable file name); returns both paths. Every report kind
 * (rollout, recovery, canary) is written this way.
 */
export function writeJsonAndSvg(
  dir: string,
  prefix: string,
  at: string,
  report: unknown,
  svg: string,
): { json: string; svg: string } {
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${prefix}-${at.replace(/[:.]/g, "-")}`);
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + "\n");
  writeFileSync(`${base}.svg`, svg);
  return { json: `${base}.json`, svg: `${base}.svg` };
}

/** Ready pods at one moment of a recovery, in total and per node. */
export interface RecoverySample {
  /** Milliseconds since the recovery report's start. */
  readonly t: number;
  readonly ready: number;
  readonly byNode: Readonly<Record<string, number>>;
}

/**
 * A recovery from a lost node, on the rollout report's timeline: the same header fields and
 * fold (summarize), ready pods per node instead of per ReplicaSet, and the moments of the loss.
 */
export interface RecoveryReport {
  readonly namespace: string;
  readonly deployment: string;
  readonly lostNode: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  readonly desired: number;
  readonly minReady: number;
  readonly unavailableSeconds: number;
  /** Ms since the start: "node lost", "NotReady", "endpoints exclude it", "evicted", "replaced". */
  readonly moments: readonly { readonly t: number; readonly label: string }[];
  readonly samples: readonly RecoverySample[];
}

/** Builds a recovery report from its samples (t from `startedAtMs`), folding them as a rollout's. */
export function recoveryReport(i: {
  namespace: string;
  deployment: string;
  lostNode: string;
  desired: number;
  startedAtMs: number;
  finishedAtMs: number;
  moments: readonly { t: number; label: string }[];
  samples: readonly RecoverySample[];
}): RecoveryReport {
  const endT = i.finishedAtMs - i.startedAtMs;
  const asRollout = i.samples.map((s) => ({ t: s.t, ready: s.ready, byHash: {} }));
  return {
    namespace: i.namespace,
    deployment: i.deployment,
    lostNode: i.lostNode,
    startedAt: new Date(i.startedAtMs).toISOString(),
    finishedAt: new Date(i.finishedAtMs).toISOString(),
    durationSeconds: Math.round(endT) / 1000,
    desired: i.desired,
    ...summarize(asRollout, i.desired, endT),
    moments: i.moments,
    samples: i.samples,
  };
}

/** Writes a recovery report as JSON and its timeline as SVG under `dir`; returns both paths. */
export function writeRecoveryReport(dir: string, r: RecoveryReport): { json: string; svg: string } {
  return writeJsonAndSvg(dir, `recovery-${r.deployment}`, r.finishedAt, r, renderRecoverySvg(r));
}
