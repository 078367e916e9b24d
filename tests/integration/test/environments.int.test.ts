import { KubeClient } from "@steady/deploy";
import { APP_SELECTOR, client, list, stackOf, up, waitFor, type Obj } from "./harness";

let kube: KubeClient;
beforeAll(() => {
  kube = client();
});
afterAll(() => kube.close());

const available = (d: Obj) =>
  (d.status?.conditions ?? []).some(
    (c: { type: string; status: string }) => c.type === "Available" && c.status === "True",
  );

describe.each([
  ["dev", { namespace: "steady-dev", replicas: 1, pdb: 0, hpa: 0 }],
  ["staging", { namespace: "steady-staging", replicas: 2, pdb: 1, hpa: 0 }],
  ["prod", { namespace: "steady-prod", replicas: 3, pdb: 1, hpa: 1 }],
])("pulumi up of the %s stacks on a real API server", (env, want) => {
  let outputs: Record<string, unknown>;

  beforeAll(async () => {
    await up(await stackOf("platform", env, env));
    outputs = await up(await stackOf("app", env, env));
  });

  it("creates a restricted namespace and makes the Deployment available with every replica", async () => {
    expect(outputs.namespace).toBe(want.namespace);
    const ns = await kube.get<Obj>(`/api/v1/namespaces/${want.namespace}`);
    expect(ns.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    const deployment = await waitFor(`${want.replicas} available replicas in ${env}`, async () => {
      const [d] = await list(kube, "apis/apps/v1", want.namespace, "deployments", APP_SELECTOR);
      return d && available(d) && d.status?.availableReplicas === want.replicas ? d : undefined;
    });
    expect(deployment.metadata.name).toBe(outputs.deploymentName);
  });

  it("gives the Service a ready endpoint for every replica", async () => {
    const slices = await waitFor("endpoints", async () => {
      const s = await list(
        kube,
        "apis/discovery.k8s.io/v1",
        want.namespace,
        "endpointslices",
        `kubernetes.io/service-name=${String(outputs.serviceName)}`,
      );
      const ready = s
        .flatMap(
          (x) =>
            (x as unknown as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints ??
            [],
        )
        .filter((e) => e.conditions?.ready);
      return ready.length === want.replicas ? ready : undefined;
    });
    expect(slices).toHaveLength(want.replicas);
  });

  it("has a PodDisruptionBudget and an autoscaler exactly where the environment asks for them", async () => {
    expect(await list(kube, "apis/policy/v1", want.namespace, "poddisruptionbudgets")).toHaveLength(
      want.pdb,
    );
    expect(
      await list(kube, "apis/autoscaling/v2", want.namespace, "horizontalpodautoscalers"),
    ).toHaveLength(want.hpa);
  });
});

describe("prod on the simulated nodes", () => {
  it("spreads the pods over the 3 zones", async () => {
    const pods = (await list(kube, "api/v1", "steady-prod", "pods", APP_SELECTOR)).filter(
      (p) => !p.metadata.deletionTimestamp,
    );
    expect(pods).toHaveLength(3);
    const zones = new Set<string>();
    for (const p of pods) {
      const node = await kube.get<Obj>(`/api/v1/nodes/${p.spec.nodeName}`);
      zones.add(node.metadata.labels?.["topology.kubernetes.io/zone"] ?? "none");
    }
    expect([...zones].sort()).toEqual(["zone-a", "zone-b", "zone-c"]);
  });

  it("reports the capacity the Cluster component gave its simulated nodes", async () => {
    const node = await kube.get<Obj>("/api/v1/nodes/prod-node-0");
    expect(node.status.capacity).toMatchObject({ cpu: "8", memory: "32Gi", pods: "110" });
    expect(node.status.allocatable).toMatchObject({ cpu: "8", memory: "32Gi", pods: "110" });
  });
});
