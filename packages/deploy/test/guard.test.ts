import type { EngineEvent } from "@pulumi/pulumi/automation";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  GUARDED_KINDS,
  ReplacementGuard,
  formatOffenders,
  guardedKindOf,
  guardedKindsText,
} from "../src";

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
    // A renamed namespace takes every app in it down, other stacks' apps included.
    ["a Namespace replacement", "replace", "kubernetes:core/v1:Namespace"],
    ["a Namespace deletion", "delete", "kubernetes:core/v1:Namespace"],
    [
      "a CustomResourceDefinition deletion",
      "delete",
      "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
    ],
    [
      "a CustomResourceDefinition of an older API version",
      "replace",
      "kubernetes:apiextensions.k8s.io/v1beta1:CustomResourceDefinition",
    ],
    ["a DaemonSet deletion", "delete", "kubernetes:apps/v1:DaemonSet"],
    ["a DaemonSet of the extensions group", "replace", "kubernetes:extensions/v1beta1:DaemonSet"],
    ["an Ingress replacement", "replace", "kubernetes:networking.k8s.io/v1:Ingress"],
    ["an Ingress of the extensions group", "delete", "kubernetes:extensions/v1beta1:Ingress"],
    ["a Deployment of an older API version", "replace", "kubernetes:apps/v1beta2:Deployment"],
    [
      "a PodDisruptionBudget of policy/v1beta1",
      "delete",
      "kubernetes:policy/v1beta1:PodDisruptionBudget",
    ],
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
    ["a new Namespace", "create", "kubernetes:core/v1:Namespace"],
    [
      "a NamespacePatch replacement (it relinquishes its fields, the namespace stays)",
      "replace",
      "kubernetes:core/v1:NamespacePatch",
    ],
    [
      "a DeploymentPatch deletion (it relinquishes its fields, the Deployment stays)",
      "delete",
      "kubernetes:apps/v1:DeploymentPatch",
    ],
    [
      "a custom resource that happens to be called Service",
      "delete",
      "kubernetes:serving.knative.dev/v1:Service",
    ],
    ["a component", "delete", "steady:cluster:Cluster"],
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

describe("GUARDED_KINDS", () => {
  it("lists each guarded kind once, with the reason its loss hurts", () => {
    expect(GUARDED_KINDS.map((g) => g.kind)).toEqual([
      "Namespace",
      "CustomResourceDefinition",
      "Deployment",
      "StatefulSet",
      "DaemonSet",
      "Service",
      "Ingress",
      "PodDisruptionBudget",
      "PersistentVolumeClaim",
    ]);
    for (const g of GUARDED_KINDS) {
      expect(g.why.length).toBeGreaterThan(20);
      expect(g.groups.length).toBeGreaterThan(0);
    }
  });

  it.each([
    ["kubernetes:core/v1:Namespace", "Namespace"],
    ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", "CustomResourceDefinition"],
    ["kubernetes:networking.k8s.io/v1beta1:Ingress", "Ingress"],
    ["kubernetes:core/v1:ConfigMap", undefined],
    ["kubernetes:core/v1:ServicePatch", undefined],
    ["kubernetes:yaml/v2:ConfigGroup", undefined],
    ["kubernetes:apps/v1", undefined],
  ])("names %s as %s", (type, kind) => {
    expect(guardedKindOf(type)?.kind).toBe(kind);
  });

  it("says in prose which kinds are guarded, for the CLI help and the job summary", () => {
    expect(guardedKindsText()).toBe(
      "Namespace, CustomResourceDefinition, Deployment, StatefulSet, DaemonSet, Service, Ingress, PodDisruptionBudget or PersistentVolumeClaim",
    );
  });

  it("tells, for each refused resource, what its loss would take down", () => {
    const g = new ReplacementGuard();
    g.onEvent(
      step("replace", "kubernetes:core/v1:Namespace", "dev-ns", {
        keys: ["metadata.name"],
      }),
    );
    expect(formatOffenders(g.offenders)).toContain(
      [
        "  - replace urn:pulumi:dev::p::kubernetes:core/v1:Namespace::dev-ns because metadata.name changed",
        "    (Kubernetes deletes every object in it, including the apps of other stacks deployed there)",
      ].join("\n"),
    );
  });
});

describe("the README", () => {
  it("documents exactly the guarded kinds, with the same reasons", () => {
    const readme = readFileSync(join(__dirname, "..", "README.md"), "utf8");
    // The table of the guard's own section: other sections have tables of their own.
    const section = readme.split("\n## ").find((s) => s.startsWith("The replacement guard"));
    const rows = (section ?? "")
      .split("\n")
      .filter((l) => /^\| [A-Z]\w+ +\| `/.test(l))
      .map((l) => l.split("|").map((c) => c.trim()))
      .map(([, kind, groups, why]) => ({
        kind,
        groups: groups!.replace(/`/g, "").split(", "),
        why,
      }));
    expect(rows).toEqual(GUARDED_KINDS.map((g) => ({ ...g, groups: [...g.groups] })));
  });
});
