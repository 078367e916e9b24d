import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RolloutReport } from "./rollout-watch";
import { renderTimelineSvg } from "./svg";

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
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `rollout-${r.deployment}-${r.finishedAt.replace(/[:.]/g, "-")}`);
  writeFileSync(`${base}.json`, JSON.stringify(r, null, 2) + "\n");
  writeFileSync(`${base}.svg`, renderTimelineSvg(r));
  return { json: `${base}.json`, svg: `${base}.svg` };
}
