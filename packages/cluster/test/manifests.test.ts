import fc from "fast-check";
import {
  CLUSTER_DEFAULTS,
  QUOTA_PRESETS,
  SIMULATED_NODE_ANNOTATION,
  SIMULATED_NODE_LABEL,
  limitRangeSpec,
  namespaceLabels,
  networkPolicySpecs,
  quotaSpec,
  resolveQuota,
  simulatedNodes,
  validateSimulatedNodesArgs,
} from "../src";

describe("namespaceLabels", () => {
  it("enforces, audits and warns at the restricted level by default, against the latest version", () => {
    expect(namespaceLabels({})).toEqual({
      "app.kubernetes.io/managed-by": "pulumi",
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("uses the chosen level and records the environment", () => {
    expect(namespaceLabels({ podSecurity: "baseline", environment: "staging" })).toMatchObject({
      "steady.dev/environment": "staging",
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/audit": "baseline",
      "pod-security.kubernetes.io/warn": "baseline",
    });
  });

  it("does not let caller labels weaken Pod Security", () => {
    const labels = namespaceLabels({
      labels: { "pod-security.kubernetes.io/enforce": "privileged", team: "a" },
    });
    expect(labels["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    expect(labels.team).toBe("a");
  });
});

describe("resolveQuota and quotaSpec", () => {
  it("uses the medium preset by default", () => {
    expect(resolveQuota({})).toEqual(QUOTA_PRESETS.medium);
    expect(CLUSTER_DEFAULTS.quota).toBe("medium");
  });

  it.each(["small", "medium", "large"] as const)("resolves the preset %j", (name) => {
    expect(resolveQuota({ quota: name })).toEqual(QUOTA_PRESETS[name]);
  });

  it("passes numbers through and turns the quota off with false", () => {
    const q = { requestsCpu: "1", requestsMemory: "1Gi", limitsMemory: "2Gi", pods: 5 };
    expect(resolveQuota({ quota: q })).toEqual(q);
    expect(resolveQuota({ quota: false })).toBeUndefined();
  });

  it("writes the hard caps with the pod count as a string", () => {
    expect(quotaSpec(QUOTA_PRESETS.small)).toEqual({
      hard: { "requests.cpu": "2", "requests.memory": "4Gi", "limits.memory": "8Gi", pods: "30" },
    });
  });
});

describe("limitRangeSpec", () => {
  it("gives containers without requests 50m CPU and 64Mi, and a 256Mi memory limit, by default", () => {
    expect(limitRangeSpec({})).toEqual({
      limits: [
        {
          type: "Container",
          defaultRequest: { cpu: "50m", memory: "64Mi" },
          default: { memory: "256Mi" },
        },
      ],
    });
  });

  it("merges the given defaults over its own", () => {
    expect(
      limitRangeSpec({
        limitRange: { defaultRequest: { cpu: "100m" }, defaultLimit: { cpu: "1" } },
      }),
    ).toEqual({
      limits: [
        {
          type: "Container",
          defaultRequest: { cpu: "100m", memory: "64Mi" },
          default: { cpu: "1", memory: "256Mi" },
        },
      ],
    });
  });

  it("is off with false", () => {
    expect(limitRangeSpec({ limitRange: false })).toBeUndefined();
  });
});

describe("networkPolicySpecs", () => {
  it("denies all ingress to every pod with an empty selector and no ingress rule", () => {
    const { denyAll } = networkPolicySpecs();
    expect(denyAll).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
    expect("ingress" in denyAll).toBe(false);
  });

  it("allows ingress from every pod of the same namespace", () => {
    expect(networkPolicySpecs().sameNamespace).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }],
    });
  });
});

describe("simulatedNodes", () => {
  it("names nodes <prefix>-<n> and spreads them round-robin over three zones by default", () => {
    const nodes = simulatedNodes("pool", { count: 5 });
    expect(nodes.map((n) => [n.name, n.zone])).toEqual([
      ["pool-0", "zone-a"],
      ["pool-1", "zone-b"],
      ["pool-2", "zone-c"],
      ["pool-3", "zone-a"],
      ["pool-4", "zone-b"],
    ]);
  });

  it("marks each node for kwok and labels it with hostname, zone, region and the simulated label", () => {
    const [node] = simulatedNodes("pool", {
      count: 1,
      namePrefix: "kwok",
      labels: { "example.com/pool": "general" },
    });
    expect(node!.metadata.name).toBe("kwok-0");
    expect(node!.metadata.annotations).toEqual({
      [SIMULATED_NODE_ANNOTATION]: "fake",
      "node.alpha.kubernetes.io/ttl": "0",
      "steady.dev/capacity-cpu": "8",
      "steady.dev/capacity-memory": "32Gi",
      "steady.dev/capacity-pods": "110",
    });
    expect(SIMULATED_NODE_ANNOTATION).toBe("kwok.x-k8s.io/node");
    expect(node!.metadata.labels).toEqual({
      "example.com/pool": "general",
      "kubernetes.io/hostname": "kwok-0",
      "kubernetes.io/os": "linux",
      "kubernetes.io/arch": "amd64",
      "node.kubernetes.io/instance-type": "simulated",
      "topology.kubernetes.io/region": "local",
      "topology.kubernetes.io/zone": "zone-a",
      [SIMULATED_NODE_LABEL]: "true",
      "app.kubernetes.io/managed-by": "pulumi",
    });
  });

  it("reports the default capacity, 8 CPUs, 32Gi and 110 pods, in annotations the simulator reads", () => {
    const [node] = simulatedNodes("pool", { count: 1 });
    const expected = { cpu: "8", memory: "32Gi", pods: "110" };
    expect(node!.capacity).toEqual(expected);
    expect(node!.metadata.annotations).toMatchObject({
      "steady.dev/capacity-cpu": "8",
      "steady.dev/capacity-memory": "32Gi",
      "steady.dev/capacity-pods": "110",
    });
  });

  it("merges the given capacity over the default", () => {
    const [node] = simulatedNodes("pool", { count: 1, capacity: { cpu: "2", pods: 20 } });
    expect(node!.capacity).toEqual({ cpu: "2", memory: "32Gi", pods: "20" });
  });

  it("spreads any valid pool round-robin over its zones, so zone sizes differ by at most one", () => {
    const zonesArb = fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/), {
      minLength: 1,
      maxLength: 5,
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), zonesArb, (count, zones) => {
        const args = { count, zones, namePrefix: "node" };
        expect(validateSimulatedNodesArgs("pool", args).list).toEqual([]);
        const nodes = simulatedNodes("pool", args);
        expect(nodes).toHaveLength(count);
        nodes.forEach((n, i) => {
          expect(n.name).toBe(`node-${i}`);
          expect(n.zone).toBe(zones[i % zones.length]);
          const labels = n.metadata.labels as Record<string, string>;
          expect(labels["topology.kubernetes.io/zone"]).toBe(n.zone);
          expect(labels["kubernetes.io/hostname"]).toBe(n.name);
        });
        const sizes = zones.map((z) => nodes.filter((n) => n.zone === z).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
        expect(new Set(nodes.map((n) => n.name)).size).toBe(count);
      }),
    );
  });
});
