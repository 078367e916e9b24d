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
