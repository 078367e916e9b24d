import { socketAnswers } from "./containerd";
import type { KubeClient, KubeObject } from "@steady/deploy";
import type { Layout } from "../paths";
import { HOST } from "../host/ports";
import { rssKiB } from "../host/processes";
import { httpOk } from "../host/readiness";
import { identityOf, nodeLayout, type NodeComponentName } from "./spec";
import type { RealNodeState } from "./state";
import type { ComponentCheck } from "../control-plane/stale";
import type { ComponentStatus, NodeComponentInfo, RealNodeStatus } from "../types";

/** The health check of one process of the real node. */
export function nodeHealthCheck(
  name: NodeComponentName,
  node: RealNodeState,
  l: Layout,
): () => Promise<boolean> {
  switch (name) {
    case "containerd": {
      const socket = nodeLayout(l, identityOf(node)).containerdSocket;
      return async () => {
        if (await socketAnswers(socket)) return true;
        throw new Error(`${socket} does not answer`);
      };
    }
    case "kubelet":
      return httpOk(`http://${HOST}:${node.ports.kubeletHealthz}/healthz`, undefined, /^ok/);
    case "kube-proxy":
      return httpOk(`http://${HOST}:${node.ports.kubeProxyHealthz}/healthz`);
  }
}

/** Status of one checked process: liveness, then its health check when it runs. */
export async function processStatus(
  check: ComponentCheck,
  healthy: () => Promise<boolean>,
): Promise<ComponentStatus> {
  const base = { name: check.name, pid: check.record?.pid, port: check.record?.port };
  if (check.liveness !== "running") return { ...base, liveness: check.liveness, ready: false };
  const rss = rssKiB(check.record!.pid);
  try {
    return { ...base, liveness: "running", ready: await healthy(), rssKiB: rss };
  } catch (e) {
    return {
      ...base,
      liveness: "running",
      ready: false,
      detail: (e as Error).message,
      rssKiB: rss,
    };
  }
}

interface NodeObject extends KubeObject {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** The Node's Ready condition, from the API (undefined when the API does not answer). */
export async function nodeCondition(
  client: KubeClient,
  name: string,
): Promise<{ ready: boolean; detail?: string } | undefined> {
  try {
    const node = await client.get<NodeObject>(`/api/v1/nodes/${name}`);
    const c = node.status?.conditions?.find((x) => x.type === "Ready");
    if (c?.status === "True") return { ready: true };
    return {
      ready: false,
      detail: c ? `Ready=${c.status} ${c.reason ?? ""}: ${c.message ?? ""}` : "no Ready condition",
    };
  } catch (e) {
    return { ready: false, detail: (e as Error).message };
  }
}

/** The real node's status from its checks and the API. */
export async function realNodeStatus(
  node: RealNodeState,
  l: Layout,
  checks: readonly ComponentCheck[],
  client: KubeClient | undefined,
): Promise<RealNodeStatus> {
  const components = await Promise.all(
    checks.map((c) => processStatus(c, nodeHealthCheck(c.name as NodeComponentName, node, l))),
  );
  const condition = client ? await nodeCondition(client, node.nodeName) : undefined;
  return {
    name: node.nodeName,
    mode: node.mode,
    ready: condition?.ready ?? false,
    detail: condition ? condition.detail : "API server not ready",
    nodeIp: node.nodeIp,
    podCidr: node.podCidr,
    bridge: node.bridge,
    components,
  };
}

/** The recorded processes of the real node, in start order. */
export function nodeComponentInfos(node: RealNodeState): NodeComponentInfo[] {
  return (["containerd", "kubelet", "kube-proxy"] as const).flatMap((name) => {
    const p = node.processes[name];
    return p ? [{ name, pid: p.pid, port: p.port, log: p.log, argv: p.argv }] : [];
  });
}
