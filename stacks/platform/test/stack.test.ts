import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { applyStackConfig, loadStackConfig, promiseOf, setupMocks } from "@steady/testing";

const mocks = setupMocks({ project: "steady-platform" });
const projectDir = path.join(__dirname, "..");

/* eslint-disable @typescript-eslint/no-explicit-any */
async function runStack(stack: string, overrides: Record<string, unknown> = {}) {
  mocks.reset();
  applyStackConfig(loadStackConfig(projectDir, stack, overrides));
  let exports: any;
  jest.isolateModules(() => {
    exports = require("../src/index");
  });
  await promiseOf(exports.namespace);
  await mocks.settle();
  return exports;
}

describe.each([
  ["dev", { namespace: "steady-dev", quota: "2", nodes: 3 }],
  ["staging", { namespace: "steady-staging", quota: "8", nodes: 3 }],
  ["prod", { namespace: "steady-prod", quota: "32", nodes: 6 }],
])("the platform stack with Pulumi.%s.yaml", (stack, want) => {
  it("prepares a restricted namespace, its quota, network policy and simulated nodes over 3 zones", async () => {
    const out = await runStack(stack);
    expect(await promiseOf(out.namespace)).toBe(want.namespace);
    expect(await promiseOf(out.environment)).toBe(stack);
    const ns = mocks.get("kubernetes:core/v1:Namespace", `${stack}-ns`).inputs.metadata;
    expect(ns.name).toBe(want.namespace);
    expect(ns.labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(ns.labels["steady.dev/environment"]).toBe(stack);
    expect(
      mocks.get("kubernetes:core/v1:ResourceQuota", `${stack}-quota`).inputs.spec.hard[
        "requests.cpu"
      ],
    ).toBe(want.quota);
    expect(mocks.ofType("kubernetes:networking.k8s.io/v1:NetworkPolicy")).toHaveLength(2);
    const nodes = mocks.ofType("kubernetes:core/v1:Node");
    expect(nodes).toHaveLength(want.nodes);
    expect(
      new Set(nodes.map((n) => n.inputs.metadata.labels["topology.kubernetes.io/zone"])),
    ).toEqual(new Set(["zone-a", "zone-b", "zone-c"]));
    expect(nodes.map((n) => n.inputs.metadata.name)).toEqual(
      Array.from({ length: want.nodes }, (_, i) => `${stack}-node-${i}`),
    );
    expect(await promiseOf(out.nodeNames)).toHaveLength(want.nodes);
  });

  it("exports the kubeconfig as a secret", async () => {
    const out = await runStack(stack, { kubeconfig: { secure: "v1:abc" } });
    expect(await pulumi.isSecret(out.kubeconfig)).toBe(true);
    expect(await promiseOf(out.kubeconfig)).toBe("test-secret-value");
  });

  it("reports every problem of a broken copy of the config at once, before registering anything", () => {
    mocks.reset();
    applyStackConfig(
      loadStackConfig(projectDir, stack, {
        namespace: "Steady_Dev",
        quota: "huge",
        simulatedNodes: "three",
        networkPolicy: "yes",
        kubeconfig: { secure: "v1:abc" },
        zone: "zone-a",
        environment: undefined,
      }),
    );
    let err: Error | undefined;
    try {
      jest.isolateModules(() => require("../src/index"));
    } catch (e) {
      err = e as Error;
    }
    expect(err?.message).toBe(
      [
        "Stack config of steady-platform has 6 invalid inputs:",
        "  - steady-platform:environment: is required: set it with `pulumi config set environment <value>`",
        '  - steady-platform:namespace: "Steady_Dev" is not valid: expected an RFC 1123 label (lowercase alphanumerics and "-", at most 63)',
        '  - steady-platform:quota: "huge" is not valid: expected one of "small", "medium", "large", "none"',
        '  - steady-platform:networkPolicy: "yes" is not valid: expected true or false',
        '  - steady-platform:simulatedNodes: "three" is not valid: expected an integer from 0 to 100',
        "  - steady-platform:zone: is not a known setting of steady-platform: expected one of environment, namespace, quota, podSecurity, networkPolicy, simulatedNodes, zones, kubeconfig, context",
      ].join("\n"),
    );
    expect(err?.message).not.toContain("test-secret-value");
    expect(mocks.resources).toHaveLength(0);
  });
});
