import { KubeClient } from "@steady/deploy";
import { startCluster, type ClusterInfo } from "@steady/local-cluster";
import { existsSync } from "node:fs";

/** Where the stacks deploy: a cluster the user pointed at, or the embedded local one. */
export interface Target {
  /** Kubeconfig path the provider and the watcher use. */
  readonly kubeconfig: string;
  /** Whether it is the embedded local cluster (simulated nodes) or the user's own. */
  readonly kind: "local" | "external";
  /** A client for checks and the rollout watcher. */
  readonly client: KubeClient;
  /** The local cluster's start-up details, when it is local. */
  readonly cluster?: ClusterInfo;
}

/** Whether the kubeconfig at `path` reaches a cluster that answers /readyz within a few seconds. */
export async function reachable(path: string): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    const client = KubeClient.fromKubeconfig(path);
    try {
      await client.request("GET", "/readyz", undefined, { timeoutMs: 5000 });
      return true;
    } finally {
      client.close();
    }
  } catch {
    return false;
  }
}

/**
 * Picks the deployment target: when KUBECONFIG names a reachable cluster (kind, minikube, a
 * cloud), that one, and no local cluster is started; otherwise the embedded local cluster,
 * started (or found running) in `<repo>/.steady/cluster`.
 */
export async function chooseTarget(log: (line: string) => void): Promise<Target> {
  const external = process.env.KUBECONFIG;
  if (external && (await reachable(external))) {
    log(
      `KUBECONFIG=${external} reaches a cluster: deploying there; the local cluster is not started`,
    );
    return { kubeconfig: external, kind: "external", client: KubeClient.fromKubeconfig(external) };
  }
  if (external)
    log(
      `KUBECONFIG=${external} does not reach a cluster: using the embedded local cluster instead`,
    );
  const cluster = await startCluster({ log });
  log(
    cluster.outcome === "already-running"
      ? `the local cluster is already running at ${cluster.apiServerUrl}`
      : `the local cluster ${cluster.outcome} in ${(cluster.elapsedMs / 1000).toFixed(1)} s at ${cluster.apiServerUrl}`,
  );
  return {
    kubeconfig: cluster.kubeconfigPath,
    kind: "local",
    client: KubeClient.fromKubeconfig(cluster.kubeconfigPath),
    cluster,
  };
}
