import type { Stack } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import type { KubeReader } from "./kube";
import { stateDir } from "./paths";
import { writeReport } from "./report";
import { RolloutWatcher, type RolloutReport } from "./rollout-watch";

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

/**
 * Runs `update` while watching every Deployment the stack already manages, then writes a rollout
 * report (JSON and SVG timeline) per Deployment under `.steady/reports`, even when the update
 * fails (that is when the report matters most). Returns the update's result and the reports.
 */
export async function withRolloutReports<T>(
  stack: Stack,
  client: KubeReader & { get<R>(path: string): Promise<R> },
  update: () => Promise<T>,
): Promise<{
  result?: T;
  error?: Error;
  reports: { report: RolloutReport; json: string; svg: string }[];
}> {
  const deployments = deploymentsInState(await stack.exportStack());
  const watchers = await Promise.all(
    deployments.map(async (d) => {
      const w = new RolloutWatcher(client, d.namespace, d.selector);
      await w.start();
      return { d, w };
    }),
  );
  let result: T | undefined;
  let error: Error | undefined;
  try {
    result = await update();
  } catch (e) {
    error = e as Error;
  }
  const reports = [];
  for (const { d, w } of watchers) {
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
    reports.push({ report, ...writeReport(join(stateDir(), "reports"), report) });
  }
  return { ...(result !== undefined ? { result } : {}), ...(error ? { error } : {}), reports };
}
