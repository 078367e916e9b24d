import { RolloutWatcher, type KubeClient, type KubeObject } from "@steady/deploy";
import { APP_DEFAULTS } from "@steady/deployment";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import {
  createNamespace,
  deleteNamespace,
  runId,
  serverSideApply,
  type BenchCluster,
} from "./cluster";
import { mockRun, programConfig } from "./program-cost";
import type { RolloutResult, RolloutRow } from "./results";
import { ratio, rolloutFloorSeconds, summarize } from "./stats";

/** The fields of a Deployment that say whether its rollout is complete. */
export interface DeploymentStatusLike {
  metadata?: { generation?: number; resourceVersion?: string };
  spec?: { replicas?: number };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    availableReplicas?: number;
  };
}

/**
 * Whether a Deployment's rollout is complete, by the test `kubectl rollout status` uses: the
 * controller saw the latest spec, every replica is updated and available, and no old one is left.
 */
export function rolloutComplete(d: DeploymentStatusLike): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (
    (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) &&
    (s.updatedReplicas ?? 0) >= want &&
    (s.replicas ?? 0) <= (s.updatedReplicas ?? 0) &&
    (s.availableReplicas ?? 0) >= (s.updatedReplicas ?? 0)
  );
}

/** Resolves, with performance.now() of the moment it was seen, when the Deployment's rollout is complete. */
export async function waitForRollout(
  client: KubeClient,
  namespace: string,
  name: string,
  fromResourceVersion: string | undefined,
  timeoutMs: number,
): Promise<number> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let doneAt: number | undefined;
  try {
    await client.watch<KubeObject & DeploymentStatusLike>(
      `/apis/apps/v1/namespaces/${namespace}/deployments?fieldSelector=${encodeURIComponent(`metadata.name=${name}`)}`,
      (e) => {
        if (doneAt === undefined && e.type !== "DELETED" && rolloutComplete(e.object)) {
          doneAt = performance.now();
          abort.abort();
        }
      },
      {
        signal: abort.signal,
        ...(fromResourceVersion ? { resourceVersion: fromResourceVersion } : {}),
      },
    );
  } finally {
    clearTimeout(timer);
  }
  if (doneAt === undefined)
    throw new Error(
      `the rollout of ${namespace}/${name} did not complete within ${timeoutMs / 1000} s`,
    );
  return doneAt;
}

/** One run: deploy R replicas of v1 (not measured), then measure the rollout to v2. */
async function rolloutRun(
  cluster: BenchCluster,
  out: string,
  replicas: number,
  minReadySeconds: number,
): Promise<{ seconds: number; fewestReady: number }> {
  const client = cluster.client;
  const ns = `bench-rollout-${replicas}-${runId()}`;
  const dir = join(out, "work", ns);
  mkdirSync(dir, { recursive: true });
  const render = async (version: string) => {
    const file = join(dir, `${version}.json`);
    await mockRun(programConfig(1, { namespace: ns, version, replicas, minReadySeconds }), {
      manifests: file,
    });
    return (JSON.parse(readFileSync(file, "utf8")) as { items: KubeObject[] }).items;
  };
  const [v1, v2] = [await render("v1"), await render("v2")];
  const deployment = (items: KubeObject[]) => items.find((o) => o.kind === "Deployment")!;
  const name = deployment(v1).metadata!.name!;
  await createNamespace(client, ns);
  try {
    // In registration order: the ConfigMap before the Deployment that mounts it.
    for (const obj of v1) await serverSideApply(client, obj);
    await waitForRollout(client, ns, name, undefined, 15 * 60_000);
    const selector = (deployment(v1).spec as { selector: { matchLabels: Record<string, string> } })
      .selector.matchLabels;
    const watcher = new RolloutWatcher(client, ns, selector);
    await watcher.start();
    const t0 = performance.now();
    const applied = await serverSideApply<KubeObject>(client, deployment(v2));
    const doneAt = await waitForRollout(
      client,
      ns,
      name,
      applied.metadata?.resourceVersion,
      15 * 60_000,
    );
    const report = await watcher.stop(name, replicas);
    return { seconds: (doneAt - t0) / 1000, fewestReady: report.minReady };
  } finally {
    await deleteNamespace(client, ns);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The rollout section: for each replica count, `runs` rollouts of one AppDeployment from v1 to
 * v2 (maxSurge and maxUnavailable as the component's defaults), each in a fresh namespace,
 * timed from the apply of v2 to the Deployment reporting the rollout complete.
 */
export async function measureRollout(
  cluster: BenchCluster,
  opts: {
    out: string;
    replicas: readonly number[];
    runs: number;
    minReadySeconds: number;
    podReadyDelayMs: number;
    log: (line: string) => void;
  },
): Promise<RolloutResult> {
  const rows: RolloutRow[] = [];
  for (const r of opts.replicas) {
    const floorSeconds = rolloutFloorSeconds({
      replicas: r,
      maxSurge: APP_DEFAULTS.maxSurge,
      podReadyDelayMs: opts.podReadyDelayMs,
      minReadySeconds: opts.minReadySeconds,
    });
    const durations: number[] = [];
    let fewestReady = Number.POSITIVE_INFINITY;
    for (let run = 1; run <= opts.runs; run++) {
      const res = await rolloutRun(cluster, opts.out, r, opts.minReadySeconds);
      durations.push(res.seconds);
      fewestReady = Math.min(fewestReady, res.fewestReady);
      opts.log(
        `rollout R=${r} run ${run}/${opts.runs}: ${res.seconds.toFixed(1)} s (floor ${floorSeconds.toFixed(1)} s), fewest ready ${res.fewestReady}/${r}`,
      );
    }
    const duration = summarize(durations);
    rows.push({
      replicas: r,
      maxSurge: APP_DEFAULTS.maxSurge,
      floorSeconds,
      duration,
      ratio: ratio(duration.median, floorSeconds),
      fewestReady,
    });
  }
  return {
    rows,
    podReadyDelayMs: opts.podReadyDelayMs,
    minReadySeconds: opts.minReadySeconds,
    targetRatio: 1.2,
  };
}
