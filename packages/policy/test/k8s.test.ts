import * as fc from "fast-check";
import {
  kindOf,
  labelsInclude,
  sameNamespace,
  selectorMatches,
  isAutoscalerType,
  type LabelSelector,
} from "../src/k8s";

const labels = { app: "web", tier: "frontend", version: "v2" };

describe("selectorMatches", () => {
  it.each<[string, LabelSelector | undefined, boolean]>([
    ["matchLabels that are a subset", { matchLabels: { app: "web" } }, true],
    ["an empty selector (selects everything)", {}, true],
    ["no selector (selects nothing)", undefined, false],
    ["a label with another value", { matchLabels: { app: "api" } }, false],
    ["In", { matchExpressions: [{ key: "tier", operator: "In", values: ["frontend"] }] }, true],
    [
      "In without the value",
      { matchExpressions: [{ key: "tier", operator: "In", values: ["db"] }] },
      false,
    ],
    ["NotIn", { matchExpressions: [{ key: "tier", operator: "NotIn", values: ["db"] }] }, true],
    [
      "NotIn with the value",
      { matchExpressions: [{ key: "version", operator: "NotIn", values: ["v2"] }] },
      false,
    ],
    [
      "NotIn on a missing key",
      { matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] },
      true,
    ],
    ["Exists", { matchExpressions: [{ key: "version", operator: "Exists" }] }, true],
    ["Exists on a missing key", { matchExpressions: [{ key: "zone", operator: "Exists" }] }, false],
    ["DoesNotExist", { matchExpressions: [{ key: "zone", operator: "DoesNotExist" }] }, true],
    [
      "DoesNotExist on a present key",
      { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] },
      false,
    ],
    [
      "an unknown operator",
      { matchExpressions: [{ key: "app", operator: "Gt", values: ["1"] }] },
      false,
    ],
  ])("evaluates %s", (_, selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  it("matches whenever matchLabels is a subset of the labels, for any labels", () => {
    const labelMap = fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
      fc.stringMatching(/^[a-z0-9]{0,8}$/),
    );
    fc.assert(
      fc.property(labelMap, fc.func(fc.boolean()), (all, keep) => {
        const subset = Object.fromEntries(Object.entries(all).filter(([k]) => keep(k)));
        expect(selectorMatches({ matchLabels: subset }, all)).toBe(true);
        expect(labelsInclude(all, subset)).toBe(true);
      }),
    );
  });
});

describe("sameNamespace", () => {
  it.each([
    ["equal namespaces", { namespace: "a" }, { namespace: "a" }, true],
    ["different namespaces", { namespace: "a" }, { namespace: "b" }, false],
    ["an unset namespace (the provider's default) on one side", {}, { namespace: "b" }, true],
    ["no metadata", undefined, { namespace: "b" }, true],
  ])("treats %s as %s", (_, a, b, expected) => {
    expect(sameNamespace(a, b)).toBe(expected);
  });
});

describe("type helpers", () => {
  it("reads the kind of a type token", () => {
    expect(kindOf("kubernetes:apps/v1:Deployment")).toBe("Deployment");
  });

  it.each([
    ["kubernetes:autoscaling/v2:HorizontalPodAutoscaler", true],
    ["kubernetes:autoscaling/v1:HorizontalPodAutoscaler", true],
    ["kubernetes:autoscaling/v2:HorizontalPodAutoscalerPatch", false],
    ["kubernetes:apps/v1:Deployment", false],
  ])("knows whether %s is an autoscaler", (type, expected) => {
    expect(isAutoscalerType(type)).toBe(expected);
  });
});
