import { namespaceLabels, simulatedNodes } from "@steady/cluster";
import { kwokStagesFile, startCluster, stopCluster } from "@steady/local-cluster";
import { KubeApiError, KubeClient, type KubeObject } from "@steady/deploy";
import { loadAll } from "js-yaml";
import { readFileSync } from "node:fs";

/** Label on everything the bench creates in a cluster. */
export const BENCH_LABEL = "steady.dev/bench";
/** Field manager of the bench's server-side applies. */
export const FIELD_MANAGER = "steady-bench";

/** The cluster the deploy and rollout sections run on. */
export interface BenchCluster {
  readonly kubeconfig: string;
  readonly client: KubeClient;
  /** Whether the bench started it (then it stops it, unless asked to keep it). */
  readonly startedByUs: boolean;
  readonly dir: string;
}

/** Starts the local cluster in `dir`, or uses the one already running there. */
export async function openCluster(dir: string, log: (l: string) => void): Promise<BenchCluster> {
  const info = await startCluster({ dir, log: (l) => log(`  ${l}`) });
  log(
    info.outcome === "already-running"
      ? `cluster already running in ${dir}: using it, and leaving it running`
      : `cluster ${info.outcome} in ${(info.elapsedMs / 1000).toFixed(1)} s (${dir})`,
  );
  return {
    kubeconfig: info.kubeconfigPath,
    client: KubeClient.fromKubeconfig(info.kubeconfigPath),
    startedByUs: info.outcome !== "already-running",
    dir,
  };
}

/** Stops (and purges) the cluster when the bench started it and it is not to be kept. */
export async function closeCluster(
  c: BenchCluster,
  keep: boolean,
  log: (l: string) => void,
): Promise<void> {
  c.client.close();
  if (!c.startedByUs || keep) {
    log(`cluster left running: export KUBECONFIG=${c.kubeconfig}`);
    return;
  }
  await stopCluster({ dir: c.dir, purge: true });
  log(`cluster stopped and its data removed (${c.dir})`);
}

/** Polls `check` every `everyMs` until it returns a value other than undefined. */
export async function until<T>(
  what: string,
  timeoutMs: number,
  check: () => Promise<T | undefined>,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const isReadyNode = (n: KubeObject) =>
  (
    (n.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []
  ).some((c) => c.type === "Ready" && c.status === "True");

/**
 * Makes sure the cluster has simulated nodes (three zones) with room for `pods` pods, the way
 * the Cluster component describes them; waits until kwok reports them Ready. Returns their names.
 */
export async function ensureNodes(client: KubeClient, pods: number): Promise<string[]> {
  const perNode = 250;
  const count = Math.max(3, Math.ceil(pods / perNode));
  const nodes = simulatedNodes("steady-bench", {
    count,
    capacity: { cpu: "64", memory: "256Gi", pods: perNode },
    labels: { [BENCH_LABEL]: "true" },
  });
  for (const n of nodes) {
    try {
      await client.request("POST", "/api/v1/nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: n.metadata,
      });
    } catch (e) {
      if (!(e instanceof KubeApiError && e.statusCode === 409)) throw e;
    }
  }
  await until(`${count} simulated nodes to be Ready`, 60_000, async () => {
    const list = await client.list(`/api/v1/nodes?labelSelector=${BENCH_LABEL}%3Dtrue`);
    return list.items.filter(isReadyNode).length >= count ? true : undefined;
  });
  return nodes.map((n) => n.name);
}

/** Deletes the bench's nodes (when the cluster stays up). */
export async function deleteNodes(client: KubeClient, names: readonly string[]): Promise<void> {
  for (const name of names) {
    await client.request("DELETE", `/api/v1/nodes/${name}`).catch(() => undefined);
  }
}

/**
 * A fresh namespace set up the way the platform's Cluster component sets one up (Pod Security
 * `restricted`, enforced), ready for pods: its `default` ServiceAccount exists (pods are
 * refused until it does). Setup is not part of any measurement.
 */
export async function createNamespace(client: KubeClient, name: string): Promise<void> {
  await client.request("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name, labels: { ...namespaceLabels({}), [BENCH_LABEL]: "true" } },
  });
  await until(`the default ServiceAccount of ${name}`, 60_000, async () => {
    await client.get(`/api/v1/namespaces/${name}/serviceaccounts/default`);
    return true;
  });
}

/** Deletes a namespace and waits until it is gone, so the next run starts on a quiet cluster. */
export async function deleteNamespace(client: KubeClient, name: string): Promise<void> {
  try {
    await client.request("DELETE", `/api/v1/namespaces/${name}`);
  } catch (e) {
    if (e instanceof KubeApiError && e.statusCode === 404) return;
    throw e;
  }
  await until(
    `namespace ${name} to be deleted`,
    300_000,
    async () => {
      try {
        await client.get(`/api/v1/namespaces/${name}`);
        return undefined;
      } catch (e) {
        if (e instanceof KubeApiError && e.statusCode === 404) return true;
        throw e;
      }
    },
    250,
  );
}

/** A short random suffix, so every run gets names no earlier run used. */
export const runId = () => Math.random().toString(36).slice(2, 7);

/** API path of a namespaced object of the kinds the bench program makes. */
export function objectPath(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name;
  if (!ns || !name) throw new Error(`${obj.kind} without namespace or name`);
  const base = obj.apiVersion === "v1" ? "/api/v1" : `/apis/${obj.apiVersion}`;
  const plural: Record<string, string> = {
    ConfigMap: "configmaps",
    Deployment: "deployments",
    Service: "services",
    PodDisruptionBudget: "poddisruptionbudgets",
    HorizontalPodAutoscaler: "horizontalpodautoscalers",
  };
  const kind = obj.kind ? plural[obj.kind] : undefined;
  if (!kind) throw new Error(`no API path known for kind ${obj.kind}`);
  return `${base}/namespaces/${ns}/${kind}/${name}`;
}

/** Server-side apply of one object; resolves with the object as stored. */
export function serverSideApply<T extends KubeObject>(
  client: KubeClient,
  obj: KubeObject,
): Promise<T> {
  return client.request<T>(
    "PATCH",
    `${objectPath(obj)}?fieldManager=${FIELD_MANAGER}&force=true`,
    JSON.stringify(obj),
    { contentType: "application/apply-patch+yaml" },
  );
}

/**
 * The pod ready delay of the local cluster's simulated pods, in ms: the `steady-pod-ready`
 * stage's delay in kwok/stages.yaml (what a pod without the ready-delay annotation gets).
 */
export function podReadyDelayMs(stagesYaml = readFileSync(kwokStagesFile(), "utf8")): number {
  const stages = loadAll(stagesYaml) as {
    metadata?: { name?: string };
    spec?: { delay?: { durationMilliseconds?: number } };
  }[];
  const stage = stages.find((s) => s?.metadata?.name === "steady-pod-ready");
  const ms = stage?.spec?.delay?.durationMilliseconds;
  if (typeof ms !== "number")
    throw new Error(
      "kwok/stages.yaml has no steady-pod-ready stage with delay.durationMilliseconds",
    );
  return ms;
}
