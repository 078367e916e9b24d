import {
  isServing,
  labelSelector,
  type KubeReader,
  type PodLike,
  type ReplicaSetLike,
} from "./kube";

/** Ready pods at one moment, in total and per ReplicaSet (pod-template-hash). */
export interface Sample {
  /** Milliseconds since the watch started. */
  readonly t: number;
  /** Pods that are Ready and not terminating. */
  readonly ready: number;
  /** Ready pods per pod-template-hash. */
  readonly byHash: Readonly<Record<string, number>>;
}

/** What happened during a rollout. */
export interface RolloutReport {
  readonly namespace: string;
  readonly deployment: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationSeconds: number;
  /** Replica count the Deployment wants. */
  readonly desired: number;
  /** ReplicaSets that had pods before the rollout. */
  readonly oldReplicaSets: string[];
  /** The ReplicaSet of the current revision after the rollout. */
  readonly newReplicaSet: string | undefined;
  /** Fewest serving pods seen at any moment. */
  readonly minReady: number;
  /** Seconds during which fewer than `desired` pods were serving. */
  readonly unavailableSeconds: number;
  /** The timeline. */
  readonly samples: Sample[];
}

const TEMPLATE_HASH = "pod-template-hash";

/** Folds samples into the fewest-ready count and the time spent below `desired`. */
export function summarize(
  samples: readonly Sample[],
  desired: number,
  endT: number,
): { minReady: number; unavailableSeconds: number } {
  let minReady = Number.POSITIVE_INFINITY;
  let belowMs = 0;
  samples.forEach((s, i) => {
    minReady = Math.min(minReady, s.ready);
    const next = i + 1 < samples.length ? samples[i + 1]!.t : endT;
    if (s.ready < desired) belowMs += Math.max(0, next - s.t);
  });
  return {
    minReady: Number.isFinite(minReady) ? minReady : 0,
    unavailableSeconds: Math.round(belowMs) / 1000,
  };
}

/** Which ReplicaSet belongs to the Deployment's current revision. */
export function currentReplicaSet(
  rs: readonly ReplicaSetLike[],
  revision: string | undefined,
): ReplicaSetLike | undefined {
  return rs.find((r) => r.metadata.annotations?.["deployment.kubernetes.io/revision"] === revision);
}

/**
 * Watches the pods of one Deployment and records how many serve at every change, so a rollout's
 * capacity can be checked against the desired count ("ready replicas never below desired").
 */
export class RolloutWatcher {
  private readonly pods = new Map<string, PodLike>();
  private readonly samples: Sample[] = [];
  private readonly abort = new AbortController();
  private readonly t0 = Date.now();
  private readonly startedAt = new Date().toISOString();
  private oldReplicaSets: string[] = [];
  private watching: Promise<void> | undefined;
  private failure: Error | undefined;

  constructor(
    private readonly client: KubeReader,
    private readonly namespace: string,
    private readonly selector: Record<string, string>,
  ) {}

  /** Lists the pods and ReplicaSets as they are, then follows every pod change. */
  async start(): Promise<void> {
    const q = `labelSelector=${labelSelector(this.selector)}`;
    const rs = await this.client.list<ReplicaSetLike>(
      `/apis/apps/v1/namespaces/${this.namespace}/replicasets?${q}`,
    );
    this.oldReplicaSets = rs.items
      .filter((r) => (r.status?.replicas ?? 0) > 0)
      .map((r) => r.metadata.name);
    const list = await this.client.list<PodLike>(`/api/v1/namespaces/${this.namespace}/pods?${q}`);
    for (const p of list.items) this.pods.set(p.metadata.name, p);
    this.record();
    this.watching = this.client
      .watch<PodLike>(
        `/api/v1/namespaces/${this.namespace}/pods?${q}`,
        (e) => {
          if (e.type === "BOOKMARK" || e.type === "ERROR") return;
          if (e.type === "DELETED") this.pods.delete(e.object.metadata.name);
          else this.pods.set(e.object.metadata.name, e.object);
          this.record();
        },
        { signal: this.abort.signal, resourceVersion: list.metadata.resourceVersion },
      )
      .then(
        () => undefined,
        (e: Error) => {
          if (!this.abort.signal.aborted) this.failure = e;
        },
      );
  }

  private record(): void {
    const byHash: Record<string, number> = {};
    let ready = 0;
    for (const p of this.pods.values()) {
      if (!isServing(p)) continue;
      ready += 1;
      const h = p.metadata.labels?.[TEMPLATE_HASH] ?? "unknown";
      byHash[h] = (byHash[h] ?? 0) + 1;
    }
    this.samples.push({ t: Date.now() - this.t0, ready, byHash });
  }

  /** Stops watching without reading anything more (when no report can be made). */
  async abandon(): Promise<void> {
    this.abort.abort();
    await this.watching;
  }

  /** Stops watching and reports; `deploymentName` and `desired` come from the Deployment after the rollout. */
  async stop(deploymentName: string, desired: number): Promise<RolloutReport> {
    const endT = Date.now() - this.t0;
    this.abort.abort();
    await this.watching;
    if (this.failure)
      throw new Error(`the pod watch failed during the rollout: ${this.failure.message}`);
    const q = `labelSelector=${labelSelector(this.selector)}`;
    const rs = await this.client.list<ReplicaSetLike>(
      `/apis/apps/v1/namespaces/${this.namespace}/replicasets?${q}`,
    );
    const deployment = (
      await this.client.list<{ metadata: { name: string; annotations?: Record<string, string> } }>(
        `/apis/apps/v1/namespaces/${this.namespace}/deployments?fieldSelector=${encodeURIComponent(`metadata.name=${deploymentName}`)}`,
      )
    ).items[0];
    const current = currentReplicaSet(
      rs.items,
      deployment?.metadata.annotations?.["deployment.kubernetes.io/revision"],
    );
    const { minReady, unavailableSeconds } = summarize(this.samples, desired, endT);
    return {
      namespace: this.namespace,
      deployment: deploymentName,
      startedAt: this.startedAt,
      finishedAt: new Date(this.t0 + endT).toISOString(),
      durationSeconds: endT / 1000,
      desired,
      oldReplicaSets: this.oldReplicaSets.filter((n) => n !== current?.metadata.name),
      newReplicaSet: current?.metadata.name,
      minReady,
      unavailableSeconds,
      samples: [...this.samples],
    };
  }
}
