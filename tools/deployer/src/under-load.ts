import type { Stack } from "@pulumi/pulumi/automation";
import { performance } from "node:perf_hooks";
import {
  startLoad,
  summarizeLoad,
  type LoadOptions,
  type LoadSummary,
  type RequestSample,
} from "./load";
import { settle, withRolloutReports, type RolloutReport } from "@steady/deploy";
import { stateDir } from "./paths";

/**
 * Config that places the sample app on the local cluster's real node: the node carries this
 * label and taint, so nothing else lands there (it runs only images imported into its
 * containerd), and the app asks for it by config alone.
 */
export const REAL_NODE_PLACEMENT = {
  nodeSelector: "steady.dev/node-kind=real",
  tolerations: "steady.dev/real-node=true:NoSchedule",
} as const;

/** A Service's in-cluster address, as a base URL for the load generator. */
export async function serviceUrl(
  client: { get<T>(path: string): Promise<T> },
  namespace: string,
  name: string,
): Promise<string> {
  const svc = await client.get<{
    spec?: { clusterIP?: string; ports?: { port: number }[] };
  }>(`/api/v1/namespaces/${namespace}/services/${name}`);
  const ip = svc.spec?.clusterIP;
  const port = svc.spec?.ports?.[0]?.port;
  if (!ip || ip === "None" || port === undefined) {
    throw new Error(`service ${namespace}/${name} has no cluster IP and port to send requests to`);
  }
  return `http://${ip}:${port}`;
}

/** What one update under load showed. */
export interface UnderLoadResult<T> {
  /** The update's result, when it succeeded. */
  readonly result?: T;
  /** Why the update failed. */
  readonly error?: Error;
  /** Every request, times relative to the load's start. */
  readonly samples: readonly RequestSample[];
  /** All requests, before, during and after the update. */
  readonly total: LoadSummary;
  /** Requests that started while the update ran. */
  readonly during: LoadSummary;
  /** When the update started and ended, ms since the load's start. */
  readonly updateFromMs: number;
  readonly updateToMs: number;
  /**
   * The load's start on the wall clock (`Date.now()` scale), so sample times can be lined up
   * with what other clocks recorded, such as a rollout report's pod timeline.
   */
  readonly startedAtEpochMs: number;
}

/**
 * Sends requests to `url` for `settleMs` before and after `update`, and all through it; returns
 * the update's outcome with every request's fate. The load never stops early: a failed update
 * is reported, not thrown, so the requests it broke are counted.
 */
export async function underLoad<T>(
  load: LoadOptions,
  update: () => Promise<T>,
  settleMs = 2000,
): Promise<UnderLoadResult<T>> {
  const run = startLoad(load);
  const rel = () => performance.now() - run.startedAt;
  await new Promise((r) => setTimeout(r, settleMs));
  const updateFromMs = rel();
  const outcome = await settle(update);
  const updateToMs = rel();
  await new Promise((r) => setTimeout(r, settleMs));
  const samples = await run.stop();
  return {
    ...outcome,
    samples,
    total: summarizeLoad(samples),
    during: summarizeLoad(samples, { fromMs: updateFromMs, toMs: updateToMs }),
    updateFromMs,
    updateToMs,
    startedAtEpochMs: performance.timeOrigin + run.startedAt,
  };
}

/**
 * `pulumi up` of an app stack (already configured with the new version) while requests flow to
 * its Service and its Deployment is watched: the requests' fate and the rollout report together.
 */
export async function rollOutUnderLoad(
  stack: Stack,
  client: Parameters<typeof withRolloutReports>[1],
  load: LoadOptions,
  up: (stack: Stack) => Promise<unknown>,
): Promise<
  UnderLoadResult<unknown> & { rollout?: { report: RolloutReport; json: string; svg: string } }
> {
  let rollout: { report: RolloutReport; json: string; svg: string } | undefined;
  const r = await underLoad(load, async () => {
    const { error, reports } = await withRolloutReports(stack, client, () => up(stack), {
      stateDir: stateDir(),
    });
    rollout = reports[0];
    if (error) throw error;
  });
  return { ...r, ...(rollout ? { rollout } : {}) };
}
