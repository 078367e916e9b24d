import {
  checkEndpoints,
  checkHttp,
  checkRollout,
  formatChecks,
  formatChecksMarkdown,
  type DeploymentLike,
} from "../src/smoke";

/** A Deployment whose rollout of v2 finished with 3 replicas. */
const done: DeploymentLike = {
  metadata: { name: "hello-1", generation: 4 },
  spec: {
    replicas: 3,
    template: { metadata: { labels: { "app.kubernetes.io/version": "v2" } } },
  },
  status: {
    observedGeneration: 4,
    replicas: 3,
    updatedReplicas: 3,
    readyReplicas: 3,
    availableReplicas: 3,
    conditions: [
      { type: "Available", status: "True", reason: "MinimumReplicasAvailable" },
      { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
    ],
  },
};

const failing = (d: DeploymentLike, version = "v2") =>
  checkRollout(d, version)
    .filter((r) => !r.ok)
    .map((r) => `${r.name}: ${r.detail}`);

describe("the rollout check", () => {
  it("passes a finished rollout at the deployed version", () => {
    expect(failing(done)).toEqual([]);
  });

  it.each<[string, DeploymentLike, string, string[]]>([
    [
      "a spec the controller has not seen",
      { ...done, status: { ...done.status, observedGeneration: 3 } },
      "v2",
      [
        "rollout complete: the controller has not observed generation 4 yet (desired 3, updated 3, ready 3, available 3, total 3)",
      ],
    ],
    [
      "old pods still running next to the new ones",
      {
        ...done,
        status: {
          ...done.status,
          replicas: 4,
          conditions: [
            { type: "Available", status: "True" },
            { type: "Progressing", status: "True", reason: "ReplicaSetUpdated" },
          ],
        },
      },
      "v2",
      [
        "rollout complete: desired 3, updated 3, ready 3, available 3, total 4; Progressing: ReplicaSetUpdated",
      ],
    ],
    [
      "a rollout past its deadline",
      {
        ...done,
        status: {
          ...done.status,
          updatedReplicas: 1,
          availableReplicas: 2,
          conditions: [
            { type: "Available", status: "False", reason: "MinimumReplicasUnavailable" },
            { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded" },
          ],
        },
      },
      "v2",
      [
        "rollout complete: desired 3, updated 1, ready 3, available 2, total 3; Progressing: ProgressDeadlineExceeded",
        "deployment available: Available=False (MinimumReplicasUnavailable)",
      ],
    ],
    [
      "another version than the stack deployed",
      done,
      "v3",
      [
        'deployed version: template label app.kubernetes.io/version is "v2", the stack deployed "v3"',
      ],
    ],
  ])("fails %s", (_, d, version, problems) => {
    expect(failing(d, version)).toEqual(problems);
  });
});

describe("the endpoint check", () => {
  it("counts ready endpoints over every slice", () => {
    const ready = { conditions: { ready: true } };
    expect(checkEndpoints([{ endpoints: [ready, ready] }, { endpoints: [ready] }], 3)).toEqual({
      name: "service endpoints",
      ok: true,
      detail: "3 ready of 3 endpoint(s), 3 replica(s) desired",
    });
    expect(
      checkEndpoints([{ endpoints: [ready, { conditions: { ready: false } }] }, {}], 2),
    ).toEqual({
      name: "service endpoints",
      ok: false,
      detail: "1 ready of 2 endpoint(s), 2 replica(s) desired",
    });
  });
});

describe("the HTTP check", () => {
  it.each([
    [{ status: 200, body: "v2\n" }, { status: 200, body: "v2" }, true, '200 "v2"'],
    [{ status: 200, body: "v1\n" }, { status: 200, body: "v2" }, false, '200 "v1", expected "v2"'],
    [{ status: 503, body: "draining" }, { status: 200 }, false, '503 "draining"'],
    [{ error: "connect ECONNREFUSED" }, { status: 200 }, false, "connect ECONNREFUSED"],
  ])("judges %j against %j", (got, expect_, ok, detail) => {
    expect(checkHttp("/version", got, expect_)).toEqual({ name: "GET /version", ok, detail });
  });
});

describe("the smoke report", () => {
  const results = [
    { name: "rollout complete", ok: true, detail: "desired 1" },
    { name: "no drift: app", ok: false, detail: "a | b" },
  ];

  it("prints one line per check and a count", () => {
    expect(formatChecks("dev", results)).toBe(
      [
        "ok   rollout complete: desired 1",
        "FAIL no drift: app: a | b",
        "smoke checks of dev: 1 passed, 1 failed",
      ].join("\n"),
    );
  });

  it("writes a Markdown table with escaped cells", () => {
    expect(formatChecksMarkdown("dev", results)).toContain(
      "| no drift: app | **failed** | a \\| b |",
    );
  });
});
