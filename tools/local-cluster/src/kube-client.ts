// The Kubernetes client lives in @steady/deploy, whose rollout watcher, outage bound and smoke
// checks use it; the cluster's health checks, status and real node use the same one.
export {
  KubeApiError,
  KubeClient,
  WATCH_IDLE_TIMEOUT_MS,
  loadKubeconfig,
  withQuery,
  type KubeClientConfig,
  type KubeClientList as KubeList,
  type KubeObject,
  type ObjectMeta,
  type RequestOptions,
  type KubeClientWatchEvent as WatchEvent,
  type WatchEventType,
  type WatchOptions,
} from "@steady/deploy";
