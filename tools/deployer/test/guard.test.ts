import type { EngineEvent } from "@pulumi/pulumi/automation";
import { ReplacementGuard, formatOffenders } from "../src";

const step = (op: string, type: string, name: string, extra: object = {}): EngineEvent =>
  ({
    sequence: 0,
    timestamp: 0,
    resourcePreEvent: {
      metadata: { op, type, urn: `urn:pulumi:dev::p::${type}::${name}`, provider: "", ...extra },
    },
  }) as unknown as EngineEvent;

describe("ReplacementGuard", () => {
  it("stops a Deployment replacement and names the property that forces it", () => {
    const g = new ReplacementGuard();
    g.onEvent(
      step("create-replacement", "kubernetes:apps/v1:Deployment", "web", {
        keys: ["spec.selector"],
        detailedDiff: {
          "spec.selector.matchLabels.app": { diffKind: "update-replace", inputDiff: true },
        },
      }),
    );
    g.onEvent(step("replace", "kubernetes:apps/v1:Deployment", "web"));
    g.onEvent(step("delete-replaced", "kubernetes:apps/v1:Deployment", "web"));
    expect(g.offenders).toEqual([
      {
        urn: "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web",
        type: "kubernetes:apps/v1:Deployment",
        op: "replace",
        causes: ["spec.selector", "spec.selector.matchLabels.app"],
      },
    ]);
    expect(formatOffenders(g.offenders)).toContain(
      "  - replace urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web because spec.selector, spec.selector.matchLabels.app changed",
    );
  });

  it.each([
    ["a Service deletion", "delete", "kubernetes:core/v1:Service"],
    ["a PodDisruptionBudget replacement", "replace", "kubernetes:policy/v1:PodDisruptionBudget"],
    ["a PersistentVolumeClaim replacement", "replace", "kubernetes:core/v1:PersistentVolumeClaim"],
    ["a StatefulSet deletion", "delete", "kubernetes:apps/v1:StatefulSet"],
  ])("stops %s", (_, op, type) => {
    const g = new ReplacementGuard();
    g.onEvent(step(op, type, "x"));
    expect(g.offenders.map((o) => o.op)).toEqual([op]);
  });

  it.each([
    ["an update of a Deployment", "update", "kubernetes:apps/v1:Deployment"],
    [
      "a ConfigMap replacement (hashed config rolls out this way)",
      "replace",
      "kubernetes:core/v1:ConfigMap",
    ],
    ["a new Service", "create", "kubernetes:core/v1:Service"],
  ])("lets %s through", (_, op, type) => {
    const g = new ReplacementGuard();
    g.onEvent(step(op, type, "x"));
    expect(g.offenders).toEqual([]);
  });

  it("lets an explicitly allowed URN through", () => {
    const urn = "urn:pulumi:dev::p::kubernetes:apps/v1:Deployment::web";
    const g = new ReplacementGuard(new Set([urn]));
    g.onEvent(step("replace", "kubernetes:apps/v1:Deployment", "web"));
    expect(g.offenders).toEqual([]);
  });
});
