/**
 * The real thing: starts a local cluster from the toolchain binaries in a temporary directory
 * and takes it through its life. Without the binaries this FAILS with the missing-binary
 * message (build them with `npm run toolchain`); it never skips.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { waitFor } from "@steady/testing";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findClusterBinaries } from "../src/host/binaries";
import { KubeApiError, KubeClient, type KubeObject } from "@steady/deploy";
import { cidrContains, NETWORK } from "../src/network";
import { procTable, rssKiB } from "../src/host/processes";
import { startCluster } from "../src/control-plane/start";
import { clusterStatus } from "../src/control-plane/status";
import { stopCluster } from "../src/control-plane/stop";
import type { ClusterInfo } from "../src/types";

interface Pod extends KubeObject {
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: { name: string; ready: boolean; state?: Record<string, unknown> }[];
  };
}

const NS = "default";
const NODE = "steady-int-node-0";
const isReady = (p: Pod) =>
  (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

function podManifest(
  name: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    nodeName?: string;
    nodeSelector?: Record<string, string>;
  } = {},
) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      labels: { app: "steady-int", ...extra.labels },
      annotations: extra.annotations,
    },
    spec: {
      ...(extra.nodeName ? { nodeName: extra.nodeName } : {}),
      ...(extra.nodeSelector ? { nodeSelector: extra.nodeSelector } : {}),
      containers: [{ name: "app", image: "registry.example/steady/app:1" }],
    },
  };
}

describe("steady-local against real binaries", () => {
  let dir: string;
  let first: ClusterInfo;
  let client: KubeClient;
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);

  beforeAll(() => {
    // Throws MissingBinaryError ("... not found ... run `npm run toolchain` ...") when the
    // toolchain is incomplete: every test below then fails with that message.
    findClusterBinaries();
    dir = mkdtempSync(join(tmpdir(), "steady-local-int-"));
  });

  afterAll(async () => {
    client?.close();
    if (dir) {
      await stopCluster({ dir }); // no strays, whatever failed
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("up: starts every component and reports healthy", async () => {
    first = await startCluster({ dir, log });
    expect(first.outcome).toBe("started");
    expect(first.components.map((c) => c.name)).toEqual([
      "etcd",
      "kube-apiserver",
      "kube-controller-manager",
      "kube-scheduler",
      "kwok",
    ]);
    const status = await clusterStatus({ dir });
    expect(status.healthy).toBe(true);
    expect(status.components.every((c) => c.liveness === "running" && c.ready)).toBe(true);
    const rss = first.components.map(
      (c) => `${c.name}=${Math.round((rssKiB(c.pid) ?? 0) / 1024)}MiB`,
    );
    console.log(`cold up ${first.elapsedMs} ms; RSS ${rss.join(" ")}`);
    client = KubeClient.fromKubeconfig(first.kubeconfigPath);
    const ns = await client.get<KubeObject>(`/api/v1/namespaces/${NS}`);
    expect(ns.metadata?.name).toBe(NS);
  });

  it("up again: already running, same processes", async () => {
    const again = await startCluster({ dir, log });
    expect(again.outcome).toBe("already-running");
    expect(again.components.map((c) => c.pid)).toEqual(first.components.map((c) => c.pid));
  });

  it("a killed component: up reports it stale and restarts on the same data", async () => {
    await client.request("POST", `/api/v1/namespaces/${NS}/configmaps`, {
      metadata: { name: "survives-restart" },
      data: { k: "v" },
    });
    const victim = first.components.find((c) => c.name === "kube-scheduler")!;
    process.kill(victim.pid, "SIGKILL");
    await waitFor(
      "the scheduler to die",
      async () => procTable.cmdline(victim.pid) === undefined || undefined,
      { timeoutMs: 5000, intervalMs: 100 },
    );
    const stale = await clusterStatus({ dir });
    expect(stale.healthy).toBe(false);
    expect(stale.components.find((c) => c.name === "kube-scheduler")?.liveness).toBe("dead");

    logs.length = 0;
    const restarted = await startCluster({ dir, log });
    console.log(`restart up ${restarted.elapsedMs} ms`);
    expect(restarted.outcome).toBe("restarted");
    expect(logs.join("\n")).toContain(`kube-scheduler: not running — pid ${victim.pid} is gone`);
    // The survivors were ours and were stopped; everything runs again under new pids.
    for (const c of first.components) expect(procTable.cmdline(c.pid)).toBeUndefined();
    expect((await clusterStatus({ dir })).healthy).toBe(true);
    // Same ports, so the kubeconfig (and this client) still point at the cluster.
    expect(restarted.apiServerUrl).toBe(first.apiServerUrl);
    first = restarted;
    const cm = await client.get<{ data: Record<string, string> }>(
      `/api/v1/namespaces/${NS}/configmaps/survives-restart`,
    );
    expect(cm.data).toEqual({ k: "v" });
  });

  it("kwok runs an annotated Node and makes its pods Ready; never-ready pods stay unready", async () => {
    await client.request("POST", "/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: {
        name: NODE,
        annotations: { "kwok.x-k8s.io/node": "fake" },
        labels: { "kubernetes.io/hostname": NODE, "steady.dev/simulated": "true" },
      },
      status: {
        capacity: { cpu: "8", memory: "32Gi", pods: "110" },
        allocatable: { cpu: "8", memory: "32Gi", pods: "110" },
      },
    });
    const node = await waitFor(
      "the node to be Ready",
      async () => {
        const n = await client.get<Pod & { status: { capacity?: Record<string, string> } }>(
          `/api/v1/nodes/${NODE}`,
        );
        return isReady(n) ? n : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(node.status.capacity).toMatchObject({ cpu: "8", memory: "32Gi", pods: "110" });
    expect((await clusterStatus({ dir })).nodes).toEqual({ total: 1, ready: 1 });

    const pods = `/api/v1/namespaces/${NS}/pods`;
    const t0 = Date.now();
    await client.request("POST", pods, podManifest("bound", { nodeName: NODE }));
    await client.request(
      "POST",
      pods,
      podManifest("never", { nodeName: NODE, labels: { "steady.dev/simulate": "never-ready" } }),
    );
    await client.request(
      "POST",
      pods,
      podManifest("slow", { nodeName: NODE, annotations: { "steady.dev/ready-delay-ms": "4000" } }),
    );
    await client.request(
      "POST",
      pods,
      podManifest("scheduled", { nodeSelector: { "steady.dev/simulated": "true" } }),
    );

    const bound = await waitFor(
      "pod bound to become Ready",
      async () => {
        const p = await client.get<Pod>(`${pods}/bound`);
        return isReady(p) ? p : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    const boundMs = Date.now() - t0;
    console.log(`bound pod Ready after ${boundMs} ms`);
    expect(boundMs).toBeGreaterThanOrEqual(900); // the simulated start-up delay
    expect(bound.status?.phase).toBe("Running");
    expect(cidrContains(NETWORK.podCidr, bound.status!.podIP!)).toBe(true);
    expect(bound.status?.containerStatuses).toEqual([
      expect.objectContaining({ name: "app", ready: true, state: { running: expect.anything() } }),
    ]);

    const scheduled = await waitFor(
      "the scheduler to place a pod and kwok to start it",
      async () => {
        const p = await client.get<Pod & { spec: { nodeName?: string } }>(`${pods}/scheduled`);
        return isReady(p) ? p : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(scheduled.spec.nodeName).toBe(NODE);

    const slow = await waitFor(
      "pod slow to become Ready",
      async () => {
        const p = await client.get<Pod>(`${pods}/slow`);
        return isReady(p) ? p : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    const slowMs = Date.now() - t0;
    console.log(`pod with ready-delay-ms=4000 Ready after ${slowMs} ms`);
    expect(slowMs).toBeGreaterThanOrEqual(3900);
    expect(slow.status?.phase).toBe("Running");

    // Give never-ready every chance (well past the others), then check it is Running, not Ready.
    await new Promise((r) => setTimeout(r, 3000));
    const never = await client.get<Pod>(`${pods}/never`);
    expect(never.status?.phase).toBe("Running");
    expect(never.status?.podIP).toBeDefined();
    expect(isReady(never)).toBe(false);
    expect(never.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");

    // Deleting a pod on a simulated node removes it.
    await client.request("DELETE", `${pods}/bound`);
    await waitFor(
      "pod bound to be gone",
      async () => {
        try {
          await client.get(`${pods}/bound`);
          return undefined;
        } catch (e) {
          if (e instanceof KubeApiError && e.statusCode === 404) return true;
          throw e;
        }
      },
      { timeoutMs: 15_000, intervalMs: 100 },
    );
  });

  it("down: stops every process, keeps the data; down again finds nothing", async () => {
    const t0 = Date.now();
    const result = await stopCluster({ dir });
    console.log(`down ${Date.now() - t0} ms`);
    expect(result.nothingRunning).toBe(false);
    expect(result.components.map((c) => [c.name, c.result])).toEqual(
      first.components.map((c) => [c.name, "stopped"]),
    );
    for (const c of first.components) expect(procTable.cmdline(c.pid)).toBeUndefined();
    expect(existsSync(join(dir, "state.json"))).toBe(false);
    expect(existsSync(join(dir, "etcd"))).toBe(true);
    expect(existsSync(join(dir, "pki"))).toBe(true);
    const again = await stopCluster({ dir });
    expect(again.nothingRunning).toBe(true);
    expect((await clusterStatus({ dir })).started).toBe(false);
  });
});
