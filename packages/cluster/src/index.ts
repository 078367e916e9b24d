/**
 * A Kubernetes cluster as a deployment target: provider, hardened namespace, quota, network
 * policy and simulated nodes.
 * @packageDocumentation
 */
export * from "./types";
export {
  CAPACITY_ANNOTATIONS,
  CLUSTER_DEFAULTS,
  QUOTA_PRESETS,
  SIMULATED_NODE_ANNOTATION,
  SIMULATED_NODE_LABEL,
} from "./defaults";
export { nodePoolName, validateClusterArgs, validateSimulatedNodesArgs } from "./validate";
export {
  namespaceLabels,
  resolveQuota,
  quotaSpec,
  limitRangeSpec,
  networkPolicySpecs,
  simulatedNodes,
  type SimulatedNode,
} from "./manifests";
export { SimulatedNodePool } from "./simulated-node-pool";
export { Cluster } from "./cluster";
