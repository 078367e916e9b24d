import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "@steady/cluster";
import type { PlatformConfig } from "./config";

/** Declares the environment's cluster baseline from parsed config; returns the stack outputs. */
export function platform(cfg: PlatformConfig) {
  const cluster = new Cluster(cfg.environment, {
    environment: cfg.environment,
    namespace: cfg.namespace,
    quota: cfg.quota === "none" ? false : cfg.quota,
    podSecurity: cfg.podSecurity,
    networkPolicy: cfg.networkPolicy,
    kubeconfig: cfg.kubeconfig === undefined ? undefined : pulumi.secret(cfg.kubeconfig),
    context: cfg.context,
    simulatedNodes: cfg.simulatedNodes
      ? {
          count: cfg.simulatedNodes,
          zones: cfg.zones?.split(","),
          namePrefix: `${cfg.environment}-node`,
        }
      : undefined,
  });
  return {
    environment: cfg.environment,
    namespace: cluster.namespaceName,
    kubeconfig: cluster.kubeconfig,
    nodeNames: cluster.nodeNames,
  };
}
