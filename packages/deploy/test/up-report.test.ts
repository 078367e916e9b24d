import type { Stack } from "@pulumi/pulumi/automation";
import { deploymentsInState, withRolloutReports } from "../src";

describe("deploymentsInState", () => {
  it("finds each Deployment's namespace, name and selector in an exported state", () => {
    const state = {
      deployment: {
        resources: [
          { type: "pulumi:pulumi:Stack" },
          {
            type: "kubernetes:apps/v1:Deployment",
            outputs: {
              metadata: { name: "web-1a2b", namespace: "apps" },
              spec: { selector: { matchLabels: { app: "web" } } },
            },
          },
          {
            type: "kubernetes:core/v1:Service",
            outputs: { metadata: { name: "web-svc", namespace: "apps" } },
          },
        ],
      },
    };
    expect(deploymentsInState(state)).toEqual([
      { namespace: "apps", name: "web-1a2b", selector: { app: "web" } },
    ]);
  });

  it("returns nothing for a stack that was never deployed", () => {
    expect(deploymentsInState({ deployment: {} })).toEqual([]);
    expect(deploymentsInState(undefined)).toEqual([]);
  });
});

describe("withRolloutReports when the cluster goes away", () => {
  const state = {
    deployment: {
      resources: [
        {
          type: "kubernetes:apps/v1:Deployment",
          outputs: {
            metadata: { name: "web-1a2b", namespace: "apps" },
            spec: { selector: { matchLabels: { app: "web" } } },
          },
        },
      ],
    },
  };
  const stack = { exportStack: () => Promise.resolve(state) } as unknown as Stack;
  const refused = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6443"));
  const deadClient = { list: refused, watch: refused, get: refused };

  it("runs the update and returns its own error when no watch can start and no report can be read", async () => {
    const failure = new Error("the update failed");
    let ran = false;
    const out = await withRolloutReports(stack, deadClient, () => {
      ran = true;
      return Promise.reject(failure);
    });
    expect(ran).toBe(true);
    expect(out.error).toBe(failure);
    expect(out.reports).toEqual([]);
    expect(out.skipped).toEqual([
      {
        deployment: "apps/web-1a2b",
        reason: "the watch did not start: connect ECONNREFUSED 127.0.0.1:6443",
      },
    ]);
  });

  it("reads nothing after an update that failed because the cluster is unreachable", async () => {
    const reads: string[] = [];
    let alive = true;
    const client = {
      list: (path: string) => {
        reads.push(path);
        return alive
          ? Promise.resolve({ items: [], metadata: { resourceVersion: "1" } })
          : refused();
      },
      watch: (_p: string, _e: unknown, o: { signal: AbortSignal }) =>
        new Promise((r) => o.signal.addEventListener("abort", r)),
      get: (path: string) => {
        reads.push(path);
        return refused();
      },
    };
    const gone = new Error("the cluster is unreachable");
    const out = await withRolloutReports(
      stack,
      client,
      () => {
        alive = false;
        reads.length = 0;
        return Promise.reject(gone);
      },
      { unreachable: (e) => e === gone },
    );
    expect(out.error).toBe(gone);
    expect(reads).toEqual([]);
    expect(out.skipped).toEqual([
      { deployment: "apps/web-1a2b", reason: "the cluster was unreachable" },
    ]);
  });
});
