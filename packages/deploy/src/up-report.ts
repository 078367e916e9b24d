import type { Stack } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import type { KubeReader } from "./kube";
import { defaultStateDir } from "./state-dir";
import { writeReport } from "./report";
import { RolloutWatcher, type RolloutReport } from "./rollout-watch";
import { settle } from "./settle";

/** A Deployment the stack manages, as its last state recorded it. */
export interface ManagedDeployment {
  readonly namespace: string;
  readonly name: string;
  readonly selector: Record<string, string>;
}

interface StateResource {
  type: string;
  outputs?: {
    metadata?: { name?: string; namespace?: string };
    spec?: { selector?: { matchLabels?: Record<string, string> } };
  };
}

/** The Deployments in a stack's exported state (those that exist before an update). */
export function deploymentsInState(state: unknown): ManagedDeployment[] {
  const resources = (
    (state as { deployment?: { resources?: StateResource[] } })?.deployment?.resources ?? []
  ).filter((r) => r.type === "kubernetes:apps/v1:Deployment");
  return resources.flatMap((r) => {
    const m = r.outputs?.metadata;
    const selector = r.outputs?.spec?.selector?.matchLabels;
    return m?.name && m.namespace && selector
      ? [{ namespace: m.namespace, name: m.name, selector }]
      : [];
  });
}

/** A Deployment for which no rollout report could be made, and why. */
export interface SkippedReport {
  /** `namespace/name`. */
  readonly deployment: string;
  readonly reason: string;
}

const label = (d: ManagedDeployment) => `${d.namespace}/${d.name}`;

/**
 * Runs `update` while watching every Deployment the stack already manages, then writes a rollout
 * report (JSON and SVG timeline) per Deployment under `<stateDir>/reports`, even when the update
 * fails (that is when the report matters most). Reports are best effort: a watch that cannot
 * start or a report that cannot be read (the cluster went away) is listed in `skipped` and never
 * replaces the update's own outcome. With `unreachable` telling that the cluster is gone, no
 * report is attempted after the update, so nothing waits on a server that does not answer.
 */
export async function withRolloutReports<T>(
  stack: Stack,
  client: KubeReader & { get<R>(path: string): Promise<R> },
  update: () => Promise<T>,
  opts: {
    unreachable?: (e: unknown) => boolean;
    /** Reports go to its `reports/`. @default - {@link defaultStateDir} */
    stateDir?: string;
    /** The stack's exported state before the update, when the caller has it. @default - exported here */
    state?: unknown;
  } = {},
): Promise<{
  result?: T;
  error?: Error;
  reports: { report: RolloutReport; json: string; svg: string }[];
  skipped: SkippedReport[];
}> {
  const deployments = deploymentsInState(opts.state ?? (await stack.exportStack()));
  const skipped: SkippedReport[] = [];
  const started = await Promise.all(
    deployments.map(async (d) => {
      const w = new RolloutWatcher(client, d.namespace, d.selector);
      try {
        await w.start();
        return [{ d, w }];
      } catch (e) {
        await w.abandon();
        skipped.push({
          deployment: label(d),
          reason: `the watch did not start: ${(e as Error).message}`,
        });
        return [];
      }
    }),
  );
  const watchers = started.flat();
  const outcome = await settle(update);
  const gone = outcome.error !== undefined && (opts.unreachable?.(outcome.error) ?? false);
  const reports = [];
  for (const { d, w } of watchers) {
    if (gone) {
      await w.abandon();
      skipped.push({ deployment: label(d), reason: "the cluster was unreachable" });
      continue;
    }
    try {
      reports.push(await reportOne(client, d, w, opts.stateDir ?? defaultStateDir()));
    } catch (e) {
      await w.abandon();
      skipped.push({ deployment: label(d), reason: (e as Error).message });
    }
  }
  return { ...outcome, reports, skipped };
}

/** Stops one watcher and writes its report. */
async function reportOne(
  client: { get<R>(path: string): Promise<R> },
  d: ManagedDeployment,
  w: RolloutWatcher,
  stateDir: string,
): Promise<{ report: RolloutReport; json: string; svg: string }> {
  let desired = 1;
  try {
    desired =
      (
        await client.get<{ spec?: { replicas?: number } }>(
          `/apis/apps/v1/namespaces/${d.namespace}/deployments/${d.name}`,
        )
      ).spec?.replicas ?? 1;
  } catch {
    // Deleted by the update: report against the last count seen.
  }
  const report = await w.stop(d.name, desired);
  return { report, ...writeReport(join(stateDir, "reports"), report) };
}
