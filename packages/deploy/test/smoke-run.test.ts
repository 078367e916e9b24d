import type { Stack } from "@pulumi/pulumi/automation";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { smokeStack } from "../src/smoke-run";

/** A fake API server with one Deployment (2 replicas, rolled out) and its EndpointSlice. */
async function fakeApi(version: string, readyEndpoints: number) {
  const deployment = {
    metadata: { name: "web", generation: 3 },
    spec: {
      replicas: 2,
      template: { metadata: { labels: { "app.kubernetes.io/version": version } } },
    },
    status: {
      observedGeneration: 3,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      conditions: [
        { type: "Available", status: "True" },
        { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable" },
      ],
    },
  };
  const endpoints = Array.from({ length: 2 }, (_, i) => ({
    conditions: { ready: i < readyEndpoints },
  }));
  const server = http.createServer((req, res) => {
    const body = req.url!.startsWith("/apis/apps/v1/namespaces/shop/deployments/web")
      ? deployment
      : req.url!.startsWith("/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices")
        ? { metadata: {}, items: [{ endpoints }] }
        : undefined;
    res.writeHead(body ? 200 : 404, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body ?? { kind: "Status", code: 404, message: "not found" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

/** A stack with these outputs whose drift preview succeeds (or fails with `drift`). */
function fakeStack(outputs: Record<string, string>, drift?: string): Stack {
  return {
    name: "acme/shop/prod",
    outputs: async () =>
      Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])),
    preview: async () => {
      if (drift) throw new Error(`error: ${drift}`);
      return {};
    },
  } as unknown as Stack;
}

describe("the smoke checks of a stack", () => {
  let dir: string;
  let api: Awaited<ReturnType<typeof fakeApi>> | undefined;
  const kubeconfigFor = (server: string) => {
    const file = join(dir, "kubeconfig");
    writeFileSync(
      file,
      `apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters: [{name: k, cluster: {server: "${server}"}}]\ncontexts: [{name: c, context: {cluster: k}}]\n`,
    );
    return file;
  };
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "steady-smoke-"))));
  afterEach(async () => {
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const APP = { namespace: "shop", deploymentName: "web", serviceName: "web" };

  it("passes a rolled-out app at the exported version, with an endpoint per replica and no drift", async () => {
    api = await fakeApi("v2", 2);
    const results = await smokeStack(fakeStack({ ...APP, version: "v2" }), {
      kubeconfig: kubeconfigFor(api.url),
    });
    expect(results.map((r) => [r.name, r.ok])).toEqual([
      ["stack outputs", true],
      ["rollout complete", true],
      ["deployment available", true],
      ["deployed version", true],
      ["service endpoints", true],
      ["no drift: acme/shop/prod", true],
    ]);
  });

  it("skips the version check for a stack that exports no version", async () => {
    api = await fakeApi("v2", 2);
    const results = await smokeStack(fakeStack(APP), { kubeconfig: kubeconfigFor(api.url) });
    expect(results.map((r) => r.name)).not.toContain("deployed version");
    expect(results[0]!.detail).toContain("version (not exported)");
    expect(results.every((r) => r.ok)).toBe(true);
  });

  it("fails on another version, a missing endpoint and drift, each named", async () => {
    api = await fakeApi("v1", 1);
    const results = await smokeStack(fakeStack({ ...APP, version: "v2" }, "1 change"), {
      kubeconfig: kubeconfigFor(api.url),
    });
    expect(results.filter((r) => !r.ok).map((r) => r.name)).toEqual([
      "deployed version",
      "service endpoints",
      "no drift: acme/shop/prod",
    ]);
  });

  it("names the outputs a stack lacks, before touching the cluster", async () => {
    const results = await smokeStack(fakeStack({ namespace: "shop" }), {
      kubeconfig: join(dir, "none"),
    });
    expect(results).toEqual([
      expect.objectContaining({
        name: "stack outputs",
        ok: false,
        detail: expect.stringContaining("has no deploymentName, serviceName output"),
      }),
    ]);
  });
});
