import { healthCheck, apiServerUrl } from "./health";
import { KubeClient, type KubeObject } from "@steady/deploy";
import { COMPONENTS, layout, resolveDataDir, type ComponentName } from "../paths";
import { procTable } from "../host/processes";
import { processStatus, realNodeStatus } from "../real-node/status";
import { describePosture, securityPosture } from "./security";
import { checkComponents, checkNodeProcesses } from "./stale";
import { readState } from "./state";
import type { ClusterOptions, ClusterStatus, ComponentStatus, RealNodeStatus } from "../types";

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
  const checks = checkComponents(state, table);
  const isControlPlane = (name: string) => (COMPONENTS as readonly string[]).includes(name);
  const components: ComponentStatus[] = await Promise.all(
    checks
      .filter((c) => isControlPlane(c.name))
      .map((check) =>
        processStatus(
          check,
          healthCheck(check.name as ComponentName, state.ports, apiClient, l.pkiDir),
        ),
      ),
  );
  let nodes: ClusterStatus["nodes"];
  let realNode: ClusterStatus["realNode"];
  let extraRealNodes: RealNodeStatus[] | undefined;
  const apiReady = components.find((c) => c.name === "kube-apiserver")?.ready === true;
  const client = apiReady ? apiClient() : undefined;
  try {
    if (client) {
      try {
        const list = await client.list<NodeLike>("/api/v1/nodes");
        nodes = { total: list.items.length, ready: list.items.filter(nodeIsReady).length };
      } catch {
        nodes = undefined;
      }
    }
    if (state.realNode) {
      const nodeChecks = checks.filter((c) => !isControlPlane(c.name));
      realNode = await realNodeStatus(state.realNode, l, nodeChecks, client);
    }
    for (const node of state.extraRealNodes ?? []) {
      const status = await realNodeStatus(node, l, checkNodeProcesses(node, table), client);
      extraRealNodes = [...(extraRealNodes ?? []), status];
    }
  } finally {
    client?.close();
  }
  const posture = securityPosture(state);
  const nodeHealthy = [realNode, ...(extraRealNodes ?? [])].every(
    (n) => !n || (n.ready && n.components.every((c) => c.liveness === "running" && c.ready)),
  );
  return {
    dataDir: l.dataDir,
    started: true,
    kubeconfigPath: l.kubeconfig,
    apiServerUrl: apiServerUrl(state.ports),
    components,
    nodes,
    realNode,
    ...(extraRealNodes ? { extraRealNodes } : {}),
    security: describePosture(posture),
    securityPosture: posture,
    healthy: components.every((c) => c.liveness === "running" && c.ready) && nodeHealthy,
  };
}
