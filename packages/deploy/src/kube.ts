/** What the rollout watcher needs from a Kubernetes client. */
export interface WatchEvent<T> {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: T;
}

/** A list response. */
export interface KubeList<T> {
  readonly items: T[];
  readonly metadata: { readonly resourceVersion?: string };
}

/** The read side of a Kubernetes API client. */
export interface KubeReader {
  list<T>(path: string): Promise<KubeList<T>>;
  watch<T extends { metadata?: { resourceVersion?: string } }>(
    path: string,
    onEvent: (e: WatchEvent<T>) => void,
    opts: { signal: AbortSignal; resourceVersion?: string },
  ): Promise<unknown>;
}

/** The fields of a Pod the watcher reads. */
export interface PodLike {
  metadata: {
    name: string;
    uid?: string;
    deletionTimestamp?: string;
    labels?: Record<string, string>;
    resourceVersion?: string;
  };
  status?: { conditions?: { type: string; status: string }[] };
}

/** The fields of a ReplicaSet the report reads. */
export interface ReplicaSetLike {
  metadata: {
    name: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  spec?: { replicas?: number };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number };
}

/** Encodes a label map as a label selector query value. */
export function labelSelector(labels: Record<string, string>): string {
  return encodeURIComponent(
    Object.entries(labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(","),
  );
}

/** Whether a pod counts as serving: Ready and not terminating. */
export function isServing(pod: PodLike): boolean {
  return (
    !pod.metadata.deletionTimestamp &&
    (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}
