/**
 * steady-local: a local Kubernetes control plane with kwok-simulated nodes, started from the
 * steady toolchain's binaries, and a minimal Kubernetes client for checks, tests and watchers.
 * @packageDocumentation
 */
export { startCluster } from "./start";
export { stopCluster } from "./stop";
export { clusterStatus, nodeIsReady } from "./status";
export { resolveDataDir, findRepoRoot, layout, kwokStagesFile, COMPONENTS } from "./paths";
export type { ComponentName, Layout } from "./paths";
export { findBinary, MissingBinaryError, toolchainBinDir } from "./binaries";
export { KWOK_NODE_SELECTOR } from "./components";
export { NETWORK } from "./network";
export {
  KubeClient,
  KubeApiError,
  loadKubeconfig,
  withQuery,
  type KubeClientConfig,
  type KubeObject,
  type KubeList,
  type ObjectMeta,
  type RequestOptions,
  type WatchEvent,
  type WatchEventType,
  type WatchOptions,
} from "./kube-client";
export type { AuthMode } from "./pki";
export type {
  ClusterInfo,
  ClusterOptions,
  ClusterStatus,
  ComponentInfo,
  ComponentStatus,
  StartOptions,
  StopOptions,
  StopResult,
  StoppedComponent,
} from "./types";
