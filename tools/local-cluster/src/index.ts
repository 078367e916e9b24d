/**
 * steady-local: a local Kubernetes control plane with kwok-simulated nodes, started from the
 * steady toolchain's binaries, and a minimal Kubernetes client for checks, tests and watchers.
 * @packageDocumentation
 */
export { startCluster } from "./control-plane/start";
export { stopCluster } from "./control-plane/stop";
export { clusterStatus, nodeIsReady } from "./control-plane/status";
export { resolveDataDir, findRepoRoot, layout, kwokStagesFile, COMPONENTS } from "./paths";
export type { ComponentName, Layout } from "./paths";
export { findBinary, MissingBinaryError, toolchainBinDir } from "./host/binaries";
export { procTable, type ProcessTable } from "./host/processes";
export { KWOK_NODE_SELECTOR } from "./control-plane/components";
export { MAX_REAL_NODES, NETWORK, REAL_NODE_NETWORK, realNodeNetwork } from "./network";
export { REAL_NODE, NODE_COMPONENTS, nodeIdentity, type NodeIdentity } from "./real-node/spec";
export type { NodeComponentName, NodePorts, RealNodeMode } from "./real-node/spec";
export { buildImageArchive, type ImageFile, type ImageSpec } from "./real-node/oci-image";
export { importImage } from "./real-node/containerd";
// The Kubernetes client is @steady/deploy's: import KubeClient and its types from there.
export type { AuthMode } from "./pki/pki";
export type {
  ClusterInfo,
  ClusterOptions,
  ClusterStatus,
  ComponentInfo,
  ComponentStatus,
  NodeComponentInfo,
  RealNodeInfo,
  RealNodeStatus,
  StartOptions,
  StopOptions,
  StopResult,
  StoppedComponent,
} from "./types";
