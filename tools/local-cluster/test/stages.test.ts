import { readFileSync } from "node:fs";
import { loadAll } from "js-yaml";
import { kwokStagesFile } from "../src/paths";

interface Stage {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: {
    resourceRef: { apiGroup: string; kind: string };
    selector: {
      matchLabels?: Record<string, string>;
      matchExpressions?: { jq: { key: string; operator: string; values?: string[] } }[];
    };
    delay?: { durationMilliseconds?: number; durationFrom?: { jq: { expression: string } } };
    steps: Record<string, unknown>[];
  };
}

const stages = loadAll(readFileSync(kwokStagesFile(), "utf8")) as Stage[];
const byName = Object.fromEntries(stages.map((s) => [s.metadata.name, s]));
const keys = (s: Stage) =>
  (s.spec.selector.matchExpressions ?? []).map((e) => [e.jq.key, e.jq.operator, e.jq.values]);

describe("kwok stages", () => {
  it("are Stage objects for nodes and pods", () => {
    expect(stages.map((s) => [s.metadata.name, s.spec.resourceRef.kind])).toEqual([
      ["steady-node-initialize", "Node"],
      ["steady-node-heartbeat-with-lease", "Node"],
      ["steady-node-stopped", "Node"],
      ["steady-pod-ready", "Pod"],
      ["steady-pod-never-ready", "Pod"],
      ["steady-pod-remove-finalizers", "Pod"],
      ["steady-pod-delete", "Pod"],
    ]);
    for (const s of stages) {
      expect(s.apiVersion).toBe("kwok.x-k8s.io/v1alpha1");
      expect(s.kind).toBe("Stage");
      expect(s.spec.resourceRef.apiGroup).toBe("v1");
    }
  });

  it("pod-ready excludes never-ready pods and pods being deleted, with a 1 s overridable delay", () => {
    const ready = byName["steady-pod-ready"]!;
    expect(keys(ready)).toEqual(
      expect.arrayContaining([
        [".metadata.deletionTimestamp", "DoesNotExist", undefined],
        ['.metadata.labels["steady.dev/simulate"]', "NotIn", ["never-ready"]],
      ]),
    );
    expect(ready.spec.delay?.durationMilliseconds).toBe(1000);
    expect(ready.spec.delay?.durationFrom?.jq.expression).toContain("steady.dev/ready-delay-ms");
  });

  it.each(["steady-node-initialize", "steady-node-heartbeat-with-lease"])(
    "%s leaves a node annotated steady.dev/simulate: stopped alone (node-loss drills)",
    (name) => {
      expect(keys(byName[name]!)).toContainEqual([
        '.metadata.annotations["steady.dev/simulate"]',
        "NotIn",
        ["stopped"],
      ]);
    },
  );

  it("a stopped node matches a stage of its own, which replaces any heartbeat kwok had scheduled", () => {
    const stopped = byName["steady-node-stopped"]!;
    expect(keys(stopped)).toEqual([
      ['.metadata.annotations["steady.dev/simulate"]', "In", ["stopped"]],
    ]);
    expect(stopped.spec.steps.map((s) => Object.keys(s))).toEqual([["event"]]);
  });

  it("never-ready pods get a status with Ready False", () => {
    const never = byName["steady-pod-never-ready"]!;
    expect(never.spec.selector.matchLabels).toEqual({ "steady.dev/simulate": "never-ready" });
    const patch = never.spec.steps.find((s) => "patch" in s) as { patch: { template: string } };
    expect(patch.patch.template).toMatch(/- type: \{\{ \. \}\}\s+status: "False"/);
    expect(patch.patch.template).not.toMatch(/ready: true/);
  });

  it("a deleted pod has its finalizers cleared, then is removed", () => {
    const clear = byName["steady-pod-remove-finalizers"]!;
    expect(clear.spec.steps).toEqual([{ finalizers: { empty: true } }]);
    expect(keys(clear)).toContainEqual([".metadata.finalizers", "Exists", undefined]);
    const remove = byName["steady-pod-delete"]!;
    expect(remove.spec.steps).toEqual([{ delete: true }]);
    expect(keys(remove)).toContainEqual([".metadata.finalizers", "DoesNotExist", undefined]);
  });
});
