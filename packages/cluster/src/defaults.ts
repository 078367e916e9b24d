/** Namespace ResourceQuota sizes; pick one by name or give your own numbers. */
export const QUOTA_PRESETS = {
  small: { requestsCpu: "2", requestsMemory: "4Gi", limitsMemory: "8Gi", pods: 30 },
  medium: { requestsCpu: "8", requestsMemory: "16Gi", limitsMemory: "32Gi", pods: 100 },
  large: { requestsCpu: "32", requestsMemory: "64Gi", limitsMemory: "128Gi", pods: 500 },
} as const;

/** Defaults of {@link ClusterArgs}, in one place. */
export const CLUSTER_DEFAULTS = {
  podSecurity: "restricted",
  quota: "medium",
  limitRange: {
    defaultRequest: { cpu: "50m", memory: "64Mi" },
    defaultLimit: { memory: "256Mi" },
  },
  networkPolicy: true,
  enableServerSideApply: true,
  /**
   * The provider's API client limits. Its own defaults (QPS 50, burst 120: provider.go of
   * pulumi-kubernetes 4.25.0) throttle an update of a few dozen apps; these are the values
   * steady-deploy sets for every provider through PULUMI_K8S_CLIENT_QPS / _BURST
   * (packages/deploy/src/deploy-tuning.ts), given here so a plain `pulumi up` gets them too.
   * The API server protects itself from any one client with API Priority and Fairness.
   */
  kubeClientSettings: { qps: 500, burst: 1000 },
  simulatedNodes: {
    zones: ["zone-a", "zone-b", "zone-c"],
    region: "local",
    capacity: { cpu: "8", memory: "32Gi", pods: 110 },
  },
} as const;

/** Annotation kwok uses to pick the nodes it simulates. */
export const SIMULATED_NODE_ANNOTATION = "kwok.x-k8s.io/node";
/** Label every simulated node carries, so workloads can target or avoid them. */
export const SIMULATED_NODE_LABEL = "steady.dev/simulated";

/**
 * Annotations carrying a simulated node's capacity. Node status cannot be set through the
 * provider (it is output-only), so the local cluster's kwok stages read these when they
 * initialise the node's status.
 */
export const CAPACITY_ANNOTATIONS = {
  cpu: "steady.dev/capacity-cpu",
  memory: "steady.dev/capacity-memory",
  pods: "steady.dev/capacity-pods",
} as const;
