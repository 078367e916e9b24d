import { readFileSync } from "node:fs";
import { kwokStagesFile } from "@steady/local-cluster";
import { derivedNotes } from "../src/cli";
import { objectPath, podReadyDelayMs } from "../src/cluster";
import { benchTuning, deploymentNames, tuningEnv } from "../src/deploy";
import { ReadyFloor, podServes, withReadyFloor } from "../src/ready-floor";
import type { KubeClient } from "@steady/deploy";
import { parseVersionsEnv } from "../src/machine";
import { parseMockRunLine, perAppCosts, programConfig } from "../src/program-cost";
import { rolloutComplete } from "../src/rollout";
import { summarize } from "../src/stats";
import { sampleResults } from "./fixtures";

describe("parseMockRunLine", () => {
  it("finds the report among other output", () => {
    expect(
      parseMockRunLine(
        'warning: something\nMOCK_RUN {"processStart":1,"programStart":2,"lastRegister":3,"resources":6}\n',
      ),
    ).toEqual({ processStart: 1, programStart: 2, lastRegister: 3, resources: 6 });
  });

  it.each([
    ["hello\n", "the program printed no MOCK_RUN line; its output:\nhello\n"],
    [
      'MOCK_RUN {"processStart":1,"programStart":2,"lastRegister":0,"resources":0}',
      "the program registered no resource",
    ],
  ])("rejects %j", (out, message) => {
    expect(() => parseMockRunLine(out)).toThrow(message);
  });
});

describe("programConfig", () => {
  it("passes only what is set, as strings", () => {
    expect(programConfig(10)).toEqual({ apps: "10", namespace: "bench", version: "v1" });
    expect(
      programConfig(1, { namespace: "n", version: "v2", replicas: 3, minReadySeconds: 0 }),
    ).toEqual({
      apps: "1",
      namespace: "n",
      version: "v2",
      replicas: "3",
      minReadySeconds: "0",
    });
  });
});

describe("perAppCosts", () => {
  const row = (variant: "js" | "ts-node", n: number, ms: number) => ({
    variant,
    n,
    resources: 5 * n + 1,
    totalMs: summarize([ms]),
    bootMs: summarize([500]),
  });

  it("fits each variant on its own and gives the end-to-end slope from N = 1", () => {
    const [js, ts] = perAppCosts([
      row("js", 1, 700),
      row("js", 11, 750),
      row("js", 51, 950),
      row("ts-node", 1, 3000),
      row("ts-node", 51, 3500),
    ]);
    expect(js!.variant).toBe("js");
    expect(js!.fit.slope).toBeCloseTo(5, 10);
    expect(js!.endpointsMs).toBe(5);
    expect(ts!.fit.slope).toBeCloseTo(10, 10);
  });

  it("skips a variant measured at one size only", () => {
    expect(perAppCosts([row("js", 10, 700)])).toEqual([]);
  });
});

describe("rolloutComplete", () => {
  const d = (status: object, generation = 2, replicas = 3) => ({
    metadata: { generation },
    spec: { replicas },
    status: { observedGeneration: 2, ...status },
  });

  it.each([
    [
      "every replica updated and available, no old one",
      { replicas: 3, updatedReplicas: 3, availableReplicas: 3 },
      true,
    ],
    [
      "an old replica still running",
      { replicas: 4, updatedReplicas: 3, availableReplicas: 4 },
      false,
    ],
    [
      "an updated replica not yet available",
      { replicas: 3, updatedReplicas: 3, availableReplicas: 2 },
      false,
    ],
    ["not every replica updated", { replicas: 3, updatedReplicas: 2, availableReplicas: 3 }, false],
  ])("%s: %s", (_, status, complete) => {
    expect(rolloutComplete(d(status))).toBe(complete);
  });

  it("is not complete before the controller has seen the latest spec", () => {
    expect(rolloutComplete(d({ replicas: 3, updatedReplicas: 3, availableReplicas: 3 }, 3))).toBe(
      false,
    );
  });
});

describe("deploymentNames", () => {
  it("lists the Deployments of a rendered List, in order", () => {
    expect(
      deploymentNames({
        items: [
          { kind: "ConfigMap", metadata: { name: "c" } },
          { kind: "Deployment", metadata: { name: "a" } },
          { kind: "Service", metadata: { name: "s" } },
          { kind: "Deployment", metadata: { name: "b" } },
        ],
      }),
    ).toEqual(["a", "b"]);
  });
});

describe("benchTuning", () => {
  it("is steady-deploy's resolver: one slot per resource above 4 x CPUs, or --parallel", () => {
    expect(benchTuning(undefined, 252).parallel).toBe(252);
    expect(benchTuning(64, 252).parallel).toBe(64);
  });
});

type Ev = { type: string; object: object };
const pod = (name: string, app: string, ready: boolean, deleting = false) => ({
  metadata: {
    name,
    labels: { "app.kubernetes.io/instance": app },
    ...(deleting ? { deletionTimestamp: "2026-12-02T00:00:00Z" } : {}),
  },
  status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

/** A client whose pod list is `items` and whose watch plays `events`, then waits for the abort. */
function fakeClient(items: object[], events: Ev[]): KubeClient {
  return {
    list: async () => ({ metadata: { resourceVersion: "1" }, items }),
    watch: async (_p: string, on: (e: Ev) => void, o: { signal: AbortSignal }) => {
      for (const e of events) on(e);
      await new Promise((r) => o.signal.addEventListener("abort", r));
      return {};
    },
  } as unknown as KubeClient;
}

describe("ReadyFloor", () => {
  it("counts only Ready pods that are not terminating", () => {
    expect(podServes(pod("a", "x", true))).toBe(true);
    expect(podServes(pod("a", "x", false))).toBe(false);
    expect(podServes(pod("a", "x", true, true))).toBe(false);
  });

  it("keeps the fewest serving pods of any app through a surge rollout", async () => {
    const start = [
      pod("a1", "a", true),
      pod("a2", "a", true),
      pod("b1", "b", true),
      pod("b2", "b", true),
    ];
    const floor = new ReadyFloor(
      fakeClient(start, [
        { type: "ADDED", object: pod("a3", "a", false) },
        { type: "MODIFIED", object: pod("a3", "a", true) },
        { type: "MODIFIED", object: pod("a1", "a", true, true) },
        { type: "DELETED", object: pod("a1", "a", true, true) },
        { type: "MODIFIED", object: pod("b1", "b", true, true) },
      ]),
      "ns",
    );
    await floor.start();
    expect(await floor.stop()).toEqual({ fewest: 1, app: "b", events: 9 });
  });

  it("fails the rollout it watched when an app fell below the desired count", async () => {
    const client = fakeClient(
      [pod("a1", "a", true), pod("a2", "a", true)],
      [{ type: "MODIFIED", object: pod("a1", "a", false) }],
    );
    await expect(
      withReadyFloor(client, "ns", 2, "kubectl apply of 1 apps", async () => 7),
    ).rejects.toThrow(
      "kubectl apply of 1 apps: app a had only 1 ready pod(s) during the new-version rollout, below the desired 2",
    );
    const ok = fakeClient([pod("a1", "a", true), pod("a2", "a", true)], []);
    expect(await withReadyFloor(ok, "ns", 2, "x", async () => 7)).toEqual({
      result: 7,
      fewestReady: 2,
    });
  });
});

describe("tuningEnv", () => {
  it("keeps the Pulumi and provider tuning variables that are set, and nothing else", () => {
    expect(tuningEnv({ PULUMI_K8S_CLIENT_QPS: "500", PULUMI_PARALLEL: "", HOME: "/root" })).toEqual(
      {
        PULUMI_K8S_CLIENT_QPS: "500",
      },
    );
  });
});

describe("objectPath", () => {
  it.each([
    ["v1", "ConfigMap", "/api/v1/namespaces/ns/configmaps/x"],
    ["apps/v1", "Deployment", "/apis/apps/v1/namespaces/ns/deployments/x"],
    ["v1", "Service", "/api/v1/namespaces/ns/services/x"],
    ["policy/v1", "PodDisruptionBudget", "/apis/policy/v1/namespaces/ns/poddisruptionbudgets/x"],
  ])("%s %s lives at %s", (apiVersion, kind, path) => {
    expect(objectPath({ apiVersion, kind, metadata: { name: "x", namespace: "ns" } })).toBe(path);
  });

  it("rejects kinds it does not know and objects without a namespace", () => {
    expect(() =>
      objectPath({ apiVersion: "v1", kind: "Secret", metadata: { name: "x", namespace: "ns" } }),
    ).toThrow("no API path known for kind Secret");
    expect(() =>
      objectPath({ apiVersion: "v1", kind: "Service", metadata: { name: "x" } }),
    ).toThrow("Service without namespace or name");
  });
});

describe("podReadyDelayMs", () => {
  it("reads the steady-pod-ready stage's delay from the local cluster's kwok stages", () => {
    const stages = readFileSync(kwokStagesFile(), "utf8");
    const delay = podReadyDelayMs(stages);
    expect(delay).toBeGreaterThan(0);
    expect(stages).toContain(`durationMilliseconds: ${delay}`);
  });

  it("fails clearly when the stage is missing", () => {
    expect(() => podReadyDelayMs("kind: Stage\nmetadata:\n  name: other\n")).toThrow(
      "kwok/stages.yaml has no steady-pod-ready stage with delay.durationMilliseconds",
    );
  });
});

describe("parseVersionsEnv", () => {
  it("reads KEY=VALUE lines and skips comments", () => {
    expect(parseVersionsEnv("# versions\nPULUMI_VERSION=3.248.0\n\nKWOK_VERSION=0.8.0\n")).toEqual({
      PULUMI_VERSION: "3.248.0",
      KWOK_VERSION: "0.8.0",
    });
  });
});

describe("derivedNotes", () => {
  it("says nothing extra about a quiet, complete run that met its targets", () => {
    const r = sampleResults();
    r.rollout!.rows.pop();
    r.program!.rows.splice(2);
    expect(derivedNotes(r)).toEqual([]);
  });

  it("names a busy machine, short runs and every missed target", () => {
    const r = sampleResults();
    const busy = { ...r, machine: { ...r.machine, loadAverage: { start: 3.5, sections: {} } } };
    const [one, fifty] = r.deploy!.rows;
    const deploy = { ...r.deploy!, rows: [one!, { ...fifty!, ratio: { create: 2, update: 1 } }] };
    const notes = derivedNotes({ ...busy, deploy, settings: { ...r.settings, runs: 1 } });
    expect(notes).toEqual([
      "The machine was busy before the bench started (1-minute load average 3.5 on 2 cores): the numbers are noisy; run again on a quiet machine before quoting them.",
      "1 run(s) per measurement: a median needs at least 3 to mean much.",
      "ts-node at N = 1: 2300 ms more than precompiled JavaScript.",
      "Deploy: pulumi up of 50 apps took 2.00× kubectl's time, above the 1.5× target.",
      "Rollout R = 10: 1.33× its floor, above the 1.2× target.",
    ]);
  });
});
