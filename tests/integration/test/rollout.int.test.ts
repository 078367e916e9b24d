import type { Stack } from "@pulumi/pulumi/automation";
import { RolloutWatcher, KubeClient } from "@steady/deploy";
import { APP_SELECTOR, client, list, previewOps, stackOf, up, waitFor } from "./harness";

// Its own environment, made from the staging config: 2 replicas, PDB, spread.
const NS = "steady-rollout";
const platformConfig = { namespace: NS, environment: "rollout" };
const appConfig = (extra: Record<string, string | number>) => ({
  platformStack: "organization/steady-platform/rollout",
  ...extra,
});

let kube: KubeClient;
let app: (extra?: Record<string, string | number>) => Promise<Stack>;

beforeAll(async () => {
  kube = client();
  await up(await stackOf("platform", "staging", "rollout", platformConfig));
  app = (extra = {}) => stackOf("app", "staging", "rollout", appConfig(extra));
  await up(await app({ version: "v1", image: "steady/hello:1.0.0" }));
});
afterAll(() => kube.close());

const replicaSets = () => list(kube, "apis/apps/v1", NS, "replicasets", APP_SELECTOR);

describe("a version change", () => {
  it("previews as an update of the Deployment, never a replace or delete", async () => {
    const ops = await previewOps(await app({ version: "v2", image: "steady/hello:2.0.0" }));
    const deployment = Object.entries(ops).find(([urn]) =>
      urn.endsWith("kubernetes:apps/v1:Deployment::hello"),
    );
    expect(deployment?.[1]).toBe("update");
    const destructive = Object.entries(ops).filter(([, op]) => /replace|delete/.test(op));
    expect(destructive).toEqual([]);
  });

  it("rolls out with ready pods never below the desired count and ends on the new ReplicaSet", async () => {
    const before = await replicaSets();
    expect(before).toHaveLength(1);
    const watcher = new RolloutWatcher(kube, NS, {
      "app.kubernetes.io/name": "hello",
      "app.kubernetes.io/instance": "hello",
    });
    await watcher.start();
    const outputs = await up(await app({ version: "v2", image: "steady/hello:2.0.0" }));
    const report = await watcher.stop(String(outputs.deploymentName), 2);
    expect(report.minReady).toBeGreaterThanOrEqual(2);
    expect(report.unavailableSeconds).toBe(0);
    // The watcher saw both versions serve at once (a surge), so it really watched the rollout.
    expect(report.samples.some((s) => Object.keys(s.byHash).length === 2)).toBe(true);
    const after = await replicaSets();
    const current = after.find((r) => r.metadata.name === report.newReplicaSet);
    const old = after.find((r) => r.metadata.name === before[0]!.metadata.name);
    expect(current?.status?.availableReplicas).toBe(2);
    expect(current?.spec?.template?.metadata?.labels?.["app.kubernetes.io/version"]).toBe("v2");
    expect(old?.spec?.replicas).toBe(0);
  });
});

describe("a config change", () => {
  it("rolls out through a new hashed ConfigMap and removes the old one", async () => {
    const [cmBefore] = await list(kube, "api/v1", NS, "configmaps", APP_SELECTOR);
    expect(cmBefore).toBeDefined();
    const ops = await previewOps(
      await app({ version: "v2", image: "steady/hello:2.0.0", greeting: "Hello again" }),
    );
    expect(
      Object.entries(ops).find(([urn]) =>
        urn.endsWith("kubernetes:apps/v1:Deployment::hello"),
      )?.[1],
    ).toBe("update");
    await up(await app({ version: "v2", image: "steady/hello:2.0.0", greeting: "Hello again" }));
    const after = await list(kube, "api/v1", NS, "configmaps", APP_SELECTOR);
    expect(after.map((c) => c.metadata.name)).not.toContain(cmBefore!.metadata.name);
    expect(after).toHaveLength(1);
    expect(
      JSON.parse((after[0] as unknown as { data: Record<string, string> }).data["config.json"]!),
    ).toEqual({ greeting: "Hello again" });
    const [d] = await list(kube, "apis/apps/v1", NS, "deployments", APP_SELECTOR);
    const volumes = d!.spec.template.spec.volumes as {
      name: string;
      configMap?: { name: string };
    }[];
    expect(volumes.find((v) => v.configMap)?.configMap?.name).toBe(after[0]!.metadata.name);
  });
});

describe("scaling and drift", () => {
  const current = { version: "v2", image: "steady/hello:2.0.0", greeting: "Hello again" };

  it("scales up and down", async () => {
    for (const replicas of [4, 2]) {
      await up(await app({ ...current, replicas }));
      const [d] = await list(kube, "apis/apps/v1", NS, "deployments", APP_SELECTOR);
      expect(d!.spec.replicas).toBe(replicas);
      expect(d!.status.availableReplicas).toBe(replicas);
    }
  });

  it("shows no drift after a refresh", async () => {
    const stack = await app({ ...current, replicas: 2 });
    await stack.refresh();
    await expect(stack.preview({ expectNoChanges: true })).resolves.toBeDefined();
  });

  it("destroys everything it created", async () => {
    await (await app({ ...current, replicas: 2 })).destroy();
    const platform = await stackOf("platform", "staging", "rollout", platformConfig);
    await platform.destroy();
    for (const kind of ["deployments", "replicasets"]) {
      expect(await list(kube, "apis/apps/v1", NS, kind).catch(() => [])).toEqual([]);
    }
    await waitFor(
      "the namespace to be gone",
      async () => {
        try {
          await kube.get(`/api/v1/namespaces/${NS}`);
          return false;
        } catch (e) {
          return (e as { statusCode?: number }).statusCode === 404;
        }
      },
      { timeoutMs: 120_000 },
    );
    const nodes = (await kube.list<{ metadata: { name: string } }>("/api/v1/nodes")).items.map(
      (n) => n.metadata.name,
    );
    expect(nodes.filter((n) => n.startsWith("rollout-node"))).toEqual([]);
  });
});
