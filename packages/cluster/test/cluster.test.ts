import * as pulumi from "@pulumi/pulumi";
import { mockSuffix, promiseOf, setupMocks } from "@steady/testing";

const mocks = setupMocks();
// Components must be loaded after the runtime is in mock mode.
import { ArgsValidationError } from "@steady/core";
import { Cluster, QUOTA_PRESETS, type ClusterArgs } from "../src";

const PROVIDER = "pulumi:providers:kubernetes";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const LIMITS = "kubernetes:core/v1:LimitRange";
const NETPOL = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const NODE = "kubernetes:core/v1:Node";

async function create(name: string, args: ClusterArgs = {}) {
  mocks.reset();
  const cluster = new Cluster(name, args);
  await promiseOf(cluster.nodeNames);
  await promiseOf(cluster.namespaceName);
  await mocks.settle();
  return cluster;
}

const kubernetesChildren = () => mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));

describe("Cluster", () => {
  it("registers a provider with server-side apply on", async () => {
    await create("dev");
    const provider = mocks.get(PROVIDER, "dev-provider");
    // Provider inputs reach the engine JSON-encoded.
    expect(provider.inputs.enableServerSideApply).toBe("true");
    expect(provider.inputs.kubeconfig).toBeUndefined();
  });

  it("raises the provider's API client limits, so a plain pulumi up is not throttled", async () => {
    await create("dev");
    const provider = mocks.get(PROVIDER, "dev-provider");
    // Provider inputs reach the engine JSON-encoded; objects too.
    expect(JSON.parse(provider.inputs.kubeClientSettings as string)).toEqual({
      qps: 500,
      burst: 1000,
    });
    await create("prod", { kubeClientSettings: { qps: 50 } });
    const own = mocks.get(PROVIDER, "prod-provider");
    expect(JSON.parse(own.inputs.kubeClientSettings as string)).toEqual({ qps: 50, burst: 1000 });
  });

  it("passes kubeconfig and context to the provider when given", async () => {
    await create("dev", { kubeconfig: "apiVersion: v1\nkind: Config", context: "kind-steady" });
    const provider = mocks.get(PROVIDER, "dev-provider");
    expect(provider.inputs.kubeconfig).toBe("apiVersion: v1\nkind: Config");
    expect(provider.inputs.context).toBe("kind-steady");
  });

  it("registers a namespace that enforces, audits and warns at the restricted Pod Security level", async () => {
    await create("dev", { environment: "dev" });
    expect(mocks.get(NAMESPACE, "dev-ns").inputs.metadata.labels).toEqual({
      "app.kubernetes.io/managed-by": "pulumi",
      "steady.dev/environment": "dev",
      "pod-security.kubernetes.io/enforce": "restricted",
      "pod-security.kubernetes.io/enforce-version": "latest",
      "pod-security.kubernetes.io/audit": "restricted",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("auto-names the namespace unless a name is given, and reports its name", async () => {
    const auto = await create("dev");
    expect(mocks.get(NAMESPACE, "dev-ns").inputs.metadata.name).toBeUndefined();
    expect(await promiseOf(auto.namespaceName)).toBe(`dev-ns-${mockSuffix(NAMESPACE, "dev-ns")}`);

    const named = await create("dev", { namespace: "apps-dev" });
    expect(mocks.get(NAMESPACE, "dev-ns").inputs.metadata.name).toBe("apps-dev");
    expect(await promiseOf(named.namespaceName)).toBe("apps-dev");
  });

  it("caps the namespace with the medium quota preset by default", async () => {
    await create("dev");
    expect(mocks.get(QUOTA, "dev-quota").inputs.spec).toEqual({
      hard: {
        "requests.cpu": "8",
        "requests.memory": "16Gi",
        "limits.memory": "32Gi",
        pods: "100",
      },
    });
  });

  it("uses the chosen quota preset", async () => {
    await create("dev", { quota: "large" });
    expect(mocks.get(QUOTA, "dev-quota").inputs.spec.hard).toEqual({
      "requests.cpu": QUOTA_PRESETS.large.requestsCpu,
      "requests.memory": QUOTA_PRESETS.large.requestsMemory,
      "limits.memory": QUOTA_PRESETS.large.limitsMemory,
      pods: "500",
    });
  });

  it("uses quota numbers given as an object", async () => {
    await create("dev", {
      quota: { requestsCpu: "3", requestsMemory: "6Gi", limitsMemory: "12Gi", pods: 42 },
    });
    expect(mocks.get(QUOTA, "dev-quota").inputs.spec.hard).toEqual({
      "requests.cpu": "3",
      "requests.memory": "6Gi",
      "limits.memory": "12Gi",
      pods: "42",
    });
  });

  it("registers a LimitRange with default requests and a default memory limit", async () => {
    await create("dev");
    expect(mocks.get(LIMITS, "dev-limits").inputs.spec).toEqual({
      limits: [
        {
          type: "Container",
          defaultRequest: { cpu: "50m", memory: "64Mi" },
          default: { memory: "256Mi" },
        },
      ],
    });
  });

  it("denies all ingress, then allows ingress from the same namespace", async () => {
    await create("dev");
    const deny = mocks.get(NETPOL, "dev-deny-ingress").inputs.spec;
    expect(deny).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
    expect(deny.ingress).toBeUndefined();
    expect(mocks.get(NETPOL, "dev-allow-same-namespace").inputs.spec).toEqual({
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }],
    });
  });

  it("puts the quota, LimitRange and NetworkPolicies in the environment's namespace", async () => {
    const cluster = await create("dev");
    const namespace = await promiseOf(cluster.namespaceName);
    for (const r of mocks.resources.filter((x) => [QUOTA, LIMITS, NETPOL].includes(x.type))) {
      expect(r.inputs.metadata.namespace).toBe(namespace);
    }
    expect(mocks.resources.filter((x) => [QUOTA, LIMITS, NETPOL].includes(x.type))).toHaveLength(4);
  });

  it.each<[string, ClusterArgs, string[]]>([
    ["quota: false", { quota: false }, [QUOTA]],
    ["limitRange: false", { limitRange: false }, [LIMITS]],
    ["networkPolicy: false", { networkPolicy: false }, [NETPOL, NETPOL]],
  ])("leaves out what %s switches off, and nothing else", async (_, args, missing) => {
    await create("dev");
    const all = kubernetesChildren().map((r) => r.type);
    await create("dev", args);
    const rest = kubernetesChildren().map((r) => r.type);
    const expected = [...all];
    for (const type of missing) expected.splice(expected.indexOf(type), 1);
    expect(rest.sort()).toEqual(expected.sort());
  });

  it("registers every Kubernetes object with the cluster's own provider", async () => {
    const cluster = await create("dev", { simulatedNodes: { count: 2 } });
    const urn = await promiseOf(cluster.provider.urn);
    const id = await promiseOf(cluster.provider.id);
    const children = kubernetesChildren();
    expect(children.map((r) => r.type).sort()).toEqual(
      [LIMITS, NAMESPACE, NETPOL, NETPOL, NODE, NODE, QUOTA].sort(),
    );
    for (const r of children) expect(r.provider).toBe(`${urn}::${id}`);
  });

  it("parents the provider and every object to the component, and the nodes to their pool", async () => {
    await create("dev", { simulatedNodes: { count: 2 } });
    const urns = mocks.urns();
    const parentOf = (type: string, name: string) => {
      const urn = urns.find((u) => u.endsWith(`${type}::${name}`));
      expect(urn).toBeDefined();
      return urn!.slice(0, urn!.lastIndexOf("::")).split("$").slice(-2, -1)[0];
    };
    for (const [type, name] of [
      [PROVIDER, "dev-provider"],
      [NAMESPACE, "dev-ns"],
      [QUOTA, "dev-quota"],
      [LIMITS, "dev-limits"],
      [NETPOL, "dev-deny-ingress"],
      [NETPOL, "dev-allow-same-namespace"],
      ["steady:cluster:SimulatedNodePool", "dev-nodes"],
    ]) {
      expect(parentOf(type!, name!)).toMatch(/steady:cluster:Cluster$/);
    }
    for (const r of mocks.ofType(NODE))
      expect(parentOf(NODE, r.name)).toMatch(/steady:cluster:SimulatedNodePool$/);
  });

  it("stores the kubeconfig output as a secret", async () => {
    const cluster = await create("dev", { kubeconfig: "apiVersion: v1" });
    expect(await pulumi.isSecret(cluster.kubeconfig)).toBe(true);
    expect(await promiseOf(cluster.kubeconfig)).toBe("apiVersion: v1");
    const ambient = await create("dev");
    expect(await pulumi.isSecret(ambient.kubeconfig)).toBe(true);
    expect(await promiseOf(ambient.kubeconfig)).toBe("");
  });

  it("creates no node when simulatedNodes is left out", async () => {
    const cluster = await create("dev");
    expect(mocks.ofType(NODE)).toEqual([]);
    expect(await promiseOf(cluster.nodeNames)).toEqual([]);
  });

  it("throws every problem at once, before registering any child", async () => {
    mocks.reset();
    let error: unknown;
    try {
      new Cluster("dev", { namespace: "Bad_NS", simulatedNodes: { count: 0 } });
    } catch (e) {
      error = e;
    }
    await mocks.settle();
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toBe(
      'Cluster "dev" has 2 invalid inputs:\n' +
        '  - namespace: "Bad_NS" is not a valid namespace name: expected an RFC 1123 label (lowercase alphanumerics and "-", at most 63, starting and ending alphanumeric)\n' +
        "  - simulatedNodes.count: 0 is out of range: expected an integer from 1 to 1000",
    );
    expect(mocks.resources.map((r) => r.type)).toEqual(["steady:cluster:Cluster"]);
  });
});

describe("Cluster simulated nodes", () => {
  it("registers N nodes spread round-robin over three zones, named by the caller's prefix", async () => {
    const cluster = await create("dev", { simulatedNodes: { count: 5, namePrefix: "kwok-node" } });
    const nodes = mocks.ofType(NODE).map((r) => r.inputs.metadata);
    expect(nodes.map((m) => [m.name, m.labels["topology.kubernetes.io/zone"]])).toEqual([
      ["kwok-node-0", "zone-a"],
      ["kwok-node-1", "zone-b"],
      ["kwok-node-2", "zone-c"],
      ["kwok-node-3", "zone-a"],
      ["kwok-node-4", "zone-b"],
    ]);
    expect(await promiseOf(cluster.nodeNames)).toEqual([
      "kwok-node-0",
      "kwok-node-1",
      "kwok-node-2",
      "kwok-node-3",
      "kwok-node-4",
    ]);
  });

  it("marks every node for kwok and gives it hostname, zone and region labels", async () => {
    await create("dev", { simulatedNodes: { count: 3, namePrefix: "kwok-node" } });
    expect(mocks.ofType(NODE)).toHaveLength(3);
    for (const r of mocks.ofType(NODE)) {
      const { metadata } = r.inputs;
      expect(metadata.annotations["kwok.x-k8s.io/node"]).toBe("fake");
      expect(metadata.labels["kubernetes.io/hostname"]).toBe(metadata.name);
      expect(metadata.labels["topology.kubernetes.io/zone"]).toMatch(/^zone-[abc]$/);
      expect(metadata.labels["topology.kubernetes.io/region"]).toBe("local");
      expect(metadata.labels["steady.dev/simulated"]).toBe("true");
      expect(metadata.namespace).toBeUndefined();
    }
  });

  it("spreads nodes over the caller's zones", async () => {
    await create("dev", {
      simulatedNodes: { count: 4, zones: ["eu-1a", "eu-1b"], region: "eu-1" },
    });
    const labels = mocks.ofType(NODE).map((r) => r.inputs.metadata.labels);
    expect(labels.map((l) => l["topology.kubernetes.io/zone"])).toEqual([
      "eu-1a",
      "eu-1b",
      "eu-1a",
      "eu-1b",
    ]);
    expect(new Set(labels.map((l) => l["topology.kubernetes.io/region"]))).toEqual(
      new Set(["eu-1"]),
    );
  });

  it("renders the same namespace, quota and nodes as last time (snapshot)", async () => {
    await create("dev", {
      environment: "dev",
      simulatedNodes: { count: 3, namePrefix: "kwok-node" },
    });
    const rendered = {
      namespace: mocks.get(NAMESPACE, "dev-ns").inputs,
      quota: mocks.get(QUOTA, "dev-quota").inputs,
      nodes: mocks.ofType(NODE).map((r) => r.inputs),
    };
    expect(rendered).toMatchSnapshot();
  });
});
