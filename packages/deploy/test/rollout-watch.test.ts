import {
  RolloutWatcher,
  currentReplicaSet,
  summarize,
  type KubeReader,
  type PodLike,
  type WatchEvent,
} from "../src";

const pod = (name: string, hash: string, ready: boolean, terminating = false): PodLike => ({
  metadata: {
    name,
    labels: { "pod-template-hash": hash },
    ...(terminating ? { deletionTimestamp: "2026-01-01T00:00:00Z" } : {}),
  },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

/** A fake API: fixed lists, and a watch that replays scripted events then waits for abort. */
function fakeClient(
  pods: PodLike[],
  events: WatchEvent<PodLike>[],
  replicaSets: object[] = [],
  deployments: object[] = [],
): KubeReader {
  return {
    async list<T>(path: string) {
      const items = path.includes("/pods")
        ? pods
        : path.includes("/replicasets")
          ? replicaSets
          : deployments;
      return { items: items as T[], metadata: { resourceVersion: "1" } };
    },
    async watch<T>(
      _path: string,
      onEvent: (e: WatchEvent<T>) => void,
      opts: { signal: AbortSignal },
    ) {
      for (const e of events) onEvent(e as WatchEvent<T>);
      await new Promise<void>((resolve) => opts.signal.addEventListener("abort", () => resolve()));
    },
  };
}

describe("summarize", () => {
  it("finds the fewest ready pods and the time spent below the desired count", () => {
    const samples = [
      { t: 0, ready: 3, byHash: {} },
      { t: 1000, ready: 2, byHash: {} },
      { t: 1500, ready: 3, byHash: {} },
    ];
    expect(summarize(samples, 3, 4000)).toEqual({ minReady: 2, unavailableSeconds: 0.5 });
  });

  it("counts the tail up to the end when the last sample is below desired", () => {
    expect(summarize([{ t: 0, ready: 1, byHash: {} }], 2, 2500)).toEqual({
      minReady: 1,
      unavailableSeconds: 2.5,
    });
  });
});

describe("currentReplicaSet", () => {
  it("picks the ReplicaSet whose revision annotation matches the Deployment's", () => {
    const rs = [1, 2, 3].map((n) => ({
      metadata: {
        name: `rs-${n}`,
        annotations: { "deployment.kubernetes.io/revision": String(n) },
      },
    }));
    expect(currentReplicaSet(rs, "2")?.metadata.name).toBe("rs-2");
    expect(currentReplicaSet(rs, "9")).toBeUndefined();
  });
});

describe("RolloutWatcher", () => {
  it("records serving pods per ReplicaSet through a surge rollout and never counts terminating pods", async () => {
    const events: WatchEvent<PodLike>[] = [
      { type: "ADDED", object: pod("new-1", "b", false) },
      { type: "MODIFIED", object: pod("new-1", "b", true) },
      { type: "MODIFIED", object: pod("old-1", "a", true, true) },
      { type: "DELETED", object: pod("old-1", "a", true, true) },
    ];
    const rs = [
      {
        metadata: { name: "web-a", annotations: { "deployment.kubernetes.io/revision": "1" } },
        status: { replicas: 1 },
      },
      {
        metadata: { name: "web-b", annotations: { "deployment.kubernetes.io/revision": "2" } },
        status: { replicas: 1 },
      },
    ];
    const deployments = [
      { metadata: { name: "web", annotations: { "deployment.kubernetes.io/revision": "2" } } },
    ];
    const w = new RolloutWatcher(
      fakeClient([pod("old-1", "a", true)], events, rs, deployments),
      "apps",
      { app: "web" },
    );
    await w.start();
    const report = await w.stop("web", 1);
    expect(report.samples.map((s) => [s.ready, s.byHash])).toEqual([
      [1, { a: 1 }],
      [1, { a: 1 }],
      [2, { a: 1, b: 1 }],
      [1, { b: 1 }],
      [1, { b: 1 }],
    ]);
    expect(report.minReady).toBe(1);
    expect(report.unavailableSeconds).toBe(0);
    expect(report.newReplicaSet).toBe("web-b");
    expect(report.oldReplicaSets).toEqual(["web-a"]);
  });

  it("sees capacity drop when old pods go before new ones are ready", async () => {
    const events: WatchEvent<PodLike>[] = [
      { type: "DELETED", object: pod("old-1", "a", true) },
      { type: "ADDED", object: pod("new-1", "b", false) },
      { type: "MODIFIED", object: pod("new-1", "b", true) },
    ];
    const w = new RolloutWatcher(fakeClient([pod("old-1", "a", true)], events), "apps", {
      app: "web",
    });
    await w.start();
    const report = await w.stop("web", 1);
    expect(report.minReady).toBe(0);
  });
});
