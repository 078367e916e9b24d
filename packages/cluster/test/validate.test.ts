import type { Problem } from "@steady/core";
import type { ClusterArgs } from "../src";
import { validateClusterArgs, validateSimulatedNodesArgs } from "../src";

const QUANTITY = 'is not a positive Kubernetes quantity (e.g. "500m", "4", "8Gi")';
const prefixReason = (prefix: string) =>
  `${JSON.stringify(prefix)} cannot prefix node names: expected lowercase alphanumerics and "-", short enough for "<prefix>-<n>" to fit in 63 characters`;

describe("validateClusterArgs", () => {
  it("finds no problem in empty args", () => {
    expect(validateClusterArgs("dev", {}).list).toEqual([]);
  });

  it("finds no problem in full, consistent args", () => {
    const args: ClusterArgs = {
      kubeconfig: "apiVersion: v1",
      context: "kind-steady",
      namespace: "apps-dev",
      environment: "dev",
      podSecurity: "baseline",
      quota: { requestsCpu: "4", requestsMemory: "8Gi", limitsMemory: "16Gi", pods: 50 },
      limitRange: {
        defaultRequest: { cpu: "100m", memory: "128Mi" },
        defaultLimit: { memory: "512Mi" },
      },
      networkPolicy: false,
      simulatedNodes: {
        count: 6,
        zones: ["eu-1a", "eu-1b"],
        region: "eu-1",
        namePrefix: "kwok-node",
        capacity: { cpu: "16", memory: "64Gi", pods: 200 },
        labels: { "example.com/pool": "general" },
      },
      enableServerSideApply: true,
      labels: { "example.com/team": "platform" },
    };
    expect(validateClusterArgs("dev", args).list).toEqual([]);
  });

  it.each(["small", "medium", "large"] as const)("accepts the quota preset %j", (quota) => {
    expect(validateClusterArgs("dev", { quota }).list).toEqual([]);
  });

  describe.each<[string, ClusterArgs, Problem[]]>([
    [
      "client limits that are not positive",
      { kubeClientSettings: { qps: 0, burst: 1.5 } },
      [
        {
          propertyPath: "kubeClientSettings.qps",
          reason:
            "0 is out of range: expected a number of queries per second above 0, at most 100000",
        },
        {
          propertyPath: "kubeClientSettings.burst",
          reason: "1.5 is out of range: expected an integer from 1 to 100000",
        },
      ],
    ],
    [
      "a namespace that is not an RFC 1123 label",
      { namespace: "Apps_Dev" },
      [
        {
          propertyPath: "namespace",
          reason:
            '"Apps_Dev" is not a valid namespace name: expected an RFC 1123 label (lowercase alphanumerics and "-", at most 63, starting and ending alphanumeric)',
        },
      ],
    ],
    [
      "an empty environment",
      { environment: "" },
      [
        {
          propertyPath: "environment",
          reason:
            '"" cannot be a label value: expected 1 to 63 alphanumerics, with "-", "_" or "." inside',
        },
      ],
    ],
    [
      "an environment with a space",
      { environment: "dev env" },
      [
        {
          propertyPath: "environment",
          reason:
            '"dev env" cannot be a label value: expected 1 to 63 alphanumerics, with "-", "_" or "." inside',
        },
      ],
    ],
    [
      "an unknown Pod Security level",
      { podSecurity: "strict" as ClusterArgs["podSecurity"] },
      [
        {
          propertyPath: "podSecurity",
          reason:
            '"strict" is not a Pod Security level: expected "restricted", "baseline" or "privileged"',
        },
      ],
    ],
    [
      "an unknown quota preset",
      { quota: "huge" as ClusterArgs["quota"] },
      [
        {
          propertyPath: "quota",
          reason:
            '"huge" is not a quota preset: expected "small", "medium", "large", an object with numbers, or false',
        },
      ],
    ],
    [
      "a quota CPU that is not a quantity",
      { quota: { requestsCpu: "eight", requestsMemory: "16Gi", limitsMemory: "32Gi", pods: 100 } },
      [{ propertyPath: "quota.requestsCpu", reason: `"eight" ${QUANTITY}` }],
    ],
    [
      "a quota memory with a byte unit",
      { quota: { requestsCpu: "8", requestsMemory: "16GB", limitsMemory: "32Gi", pods: 100 } },
      [{ propertyPath: "quota.requestsMemory", reason: `"16GB" ${QUANTITY}` }],
    ],
    [
      "a quota of zero pods",
      { quota: { requestsCpu: "8", requestsMemory: "16Gi", limitsMemory: "32Gi", pods: 0 } },
      [
        {
          propertyPath: "quota.pods",
          reason: "0 is out of range: expected an integer from 1 to 100000",
        },
      ],
    ],
    [
      "a quota object without a memory limit",
      {
        quota: {
          requestsCpu: "8",
          requestsMemory: "16Gi",
          pods: 100,
        } as unknown as ClusterArgs["quota"],
      },
      [{ propertyPath: "quota.limitsMemory", reason: "is required when quota is an object" }],
    ],
    [
      "a LimitRange default that is not a quantity",
      { limitRange: { defaultLimit: { memory: "lots" } } },
      [{ propertyPath: "limitRange.defaultLimit.memory", reason: `"lots" ${QUANTITY}` }],
    ],
    [
      "an invalid namespace label",
      { labels: { team: "platform team" } },
      [
        {
          propertyPath: "labels.team",
          reason:
            'label value "platform team" is not valid: expected at most 63 characters, alphanumerics with "-", "_" or "." inside',
        },
      ],
    ],
    [
      "zero simulated nodes",
      { simulatedNodes: { count: 0 } },
      [
        {
          propertyPath: "simulatedNodes.count",
          reason: "0 is out of range: expected an integer from 1 to 1000",
        },
      ],
    ],
    [
      "a fractional number of simulated nodes",
      { simulatedNodes: { count: 2.5 } },
      [
        {
          propertyPath: "simulatedNodes.count",
          reason: "2.5 is out of range: expected an integer from 1 to 1000",
        },
      ],
    ],
    [
      "simulated nodes without a count",
      { simulatedNodes: {} as ClusterArgs["simulatedNodes"] },
      [
        {
          propertyPath: "simulatedNodes.count",
          reason: "is required: how many nodes to simulate (1 to 1000)",
        },
      ],
    ],
    [
      "a zone listed twice",
      { simulatedNodes: { count: 3, zones: ["zone-a", "zone-b", "zone-a"] } },
      [{ propertyPath: "simulatedNodes.zones", reason: "lists a zone twice" }],
    ],
    [
      "no zones",
      { simulatedNodes: { count: 3, zones: [] } },
      [{ propertyPath: "simulatedNodes.zones", reason: "must list at least one zone" }],
    ],
    [
      "a zone that cannot be a label value",
      { simulatedNodes: { count: 3, zones: ["zone-a", "zone b"] } },
      [
        {
          propertyPath: "simulatedNodes.zones[1]",
          reason:
            '"zone b" cannot be a zone label value: expected at most 63 alphanumerics, with "-", "_" or "." inside',
        },
      ],
    ],
    [
      "an empty zone",
      { simulatedNodes: { count: 1, zones: [""] } },
      [
        {
          propertyPath: "simulatedNodes.zones[0]",
          reason:
            '"" cannot be a zone label value: expected at most 63 alphanumerics, with "-", "_" or "." inside',
        },
      ],
    ],
    [
      "a region that cannot be a label value",
      { simulatedNodes: { count: 1, region: "eu west" } },
      [{ propertyPath: "simulatedNodes.region", reason: '"eu west" cannot be a label value' }],
    ],
    [
      "a name prefix too long for the last node name to fit in 63 characters",
      { simulatedNodes: { count: 11, namePrefix: "n".repeat(61) } },
      [{ propertyPath: "simulatedNodes.namePrefix", reason: prefixReason("n".repeat(61)) }],
    ],
    [
      "an upper-case name prefix",
      { simulatedNodes: { count: 1, namePrefix: "Node" } },
      [{ propertyPath: "simulatedNodes.namePrefix", reason: prefixReason("Node") }],
    ],
    [
      "node capacity that is not a quantity",
      { simulatedNodes: { count: 1, capacity: { cpu: "eight", pods: 0 } } },
      [
        { propertyPath: "simulatedNodes.capacity.cpu", reason: `"eight" ${QUANTITY}` },
        {
          propertyPath: "simulatedNodes.capacity.pods",
          reason: "0 is out of range: expected an integer from 1 to 10000",
        },
      ],
    ],
  ])("with %s", (_, args, expected) => {
    it("reports exactly the expected problems", () => {
      expect(validateClusterArgs("dev", args).list).toEqual(expected);
    });
  });

  it("reports several problems together, in the order of the args", () => {
    const problems = validateClusterArgs("dev", {
      namespace: "-bad-",
      environment: "",
      quota: "huge" as ClusterArgs["quota"],
      simulatedNodes: { count: 0, zones: ["a", "a"] },
    });
    expect(problems.list.map((p) => p.propertyPath)).toEqual([
      "namespace",
      "environment",
      "quota",
      "simulatedNodes.count",
      "simulatedNodes.zones",
    ]);
  });
});

describe("validateSimulatedNodesArgs", () => {
  it("accepts a name prefix whose longest node name is exactly 63 characters, and not one more", () => {
    // With 10 nodes the last is "<61 characters>-9" (63 characters); with 11 it is "...-10" (64).
    expect(
      validateSimulatedNodesArgs("pool", { count: 10, namePrefix: "n".repeat(61) }).list,
    ).toEqual([]);
    expect(
      validateSimulatedNodesArgs("pool", { count: 11, namePrefix: "n".repeat(61) }).list,
    ).toEqual([{ propertyPath: "namePrefix", reason: prefixReason("n".repeat(61)) }]);
  });

  it("checks the pool name when no prefix is given, under the path 'name'", () => {
    expect(validateSimulatedNodesArgs("Pool", { count: 1 }).list).toEqual([
      { propertyPath: "name", reason: prefixReason("Pool") },
    ]);
  });

  it("finds no problem with a count and the default zones", () => {
    expect(validateSimulatedNodesArgs("pool", { count: 3 }).list).toEqual([]);
  });
});

describe("validateClusterArgs with simulated nodes and no name prefix", () => {
  it("checks the node names the pool will really use (<cluster>-nodes-<n>)", () => {
    const name = "c".repeat(58);
    expect(
      validateClusterArgs(name, { simulatedNodes: { count: 1 } }).list.map((p) => p.propertyPath),
    ).toEqual(["simulatedNodes.name"]);
  });

  it("does not take inherited object keys for quota presets", () => {
    expect(
      validateClusterArgs("c", { quota: "toString" as never }).list.map((p) => p.propertyPath),
    ).toEqual(["quota"]);
  });
});
