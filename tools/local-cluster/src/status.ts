import { healthCheck, apiServerUrl } from "./health";
import { KubeClient, type KubeObject } from "./kube-client";
import { layout, resolveDataDir } from "./paths";
import { procTable, rssKiB } from "./processes";
import { checkComponents } from "./stale";
import { readState } from "./state";
import type { ClusterOptions, ClusterStatus, ComponentStatus } from "./types";

interface NodeLike extends KubeObject {
  status?: { conditions?: { type: string; status: string }[] };
}

/** Whether a Node's Ready condition is True. */
export function nodeIsReady(node: NodeLike): boolean {
  return (node.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

/**
 * Each component's pid, liveness (pid alive with the recorded command line), port and
 * readiness; node counts from the API. Healthy when every component runs and is ready.
 */
export async function clusterStatus(opts: ClusterOptions = {}): Promise<ClusterStatus> {
  const env = opts.env ?? process.env;
  const table = opts.processTable ?? procTable;
  const l = layout(opts.dir ?? resolveDataDir(env));
  const state = readState(l.stateFile);
  if (!state) {
    return {
      dataDir: l.dataDir,
      started: false,
      kubeconfigPath: l.kubeconfig,
      components: [],
      healthy: false,
    };
  }
  const apiClient = () => KubeClient.fromKubeconfig(l.kubeconfig);
  const components: ComponentStatus[] = await Promise.all(
    checkComponents(state, table).map(async (check): Promise<ComponentStatus> => {
      const base = { name: check.name, pid: check.record?.pid, port: check.record?.port };
      if (check.liveness !== "running") {
        return { ...base, liveness: check.liveness, ready: false };
      }
      try {
        const ready = await healthCheck(check.name, state.ports, apiClient)();
        return { ...base, liveness: "running", ready, rssKiB: rssKiB(check.record!.pid) };
      } catch (e) {
        return {
          ...base,
          liveness: "running",
          ready: false,
          detail: (e as Error).message,
          rssKiB: rssKiB(check.record!.pid),
        };
      }
    }),
  );
  let nodes: ClusterStatus["nodes"];
  if (components.find((c) => c.name === "kube-apiserver")?.ready) {
    const client = apiClient();
    try {
      const list = await client.list<NodeLike>("/api/v1/nodes");
      nodes = { total: list.items.length, ready: list.items.filter(nodeIsReady).length };
    } catch {
      nodes = undefined;
    } finally {
      client.close();
    }
  }
  return {
    dataDir: l.dataDir,
    started: true,
    kubeconfigPath: l.kubeconfig,
    apiServerUrl: apiServerUrl(state.ports),
    components,
    nodes,
    healthy: components.every((c) => c.liveness === "running" && c.ready),
  };
}
