/**
 * The real node, for real: `up --real-node`, a pod from an image built here and imported into
 * containerd, its Service's cluster IP answering on this machine, a crash and restart, and a
 * `down --purge` that leaves nothing behind.
 *
 * It needs root and the node runtime packages (tools/toolchain/install-node-runtime.sh, which
 * `npm test` runs). Without them the suite FAILS and says why; it never skips, so a machine that
 * cannot run it never reports it green. Missing toolchain binaries (kubelet, kube-proxy) fail too,
 * as in cluster.int.test.ts.
 */
import { randomBytes } from "node:crypto";
import { waitFor } from "@steady/testing";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import * as http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cgroupHierarchies, cgroupProcesses } from "../src/real-node/cgroups";
import {
  criContainerIds,
  findShims,
  importImage,
  shimSocketPath,
} from "../src/real-node/containerd";
import { isRoot } from "../src/host/host";
import { listNftTables, listNodeChains, type IptablesFamily } from "../src/real-node/iptables";
import { KubeApiError, KubeClient, type KubeObject } from "@steady/deploy";
import { mountsUnder, readMountinfo } from "../src/real-node/mounts";
import { cidrContains, REAL_NODE_NETWORK } from "../src/network";
import {
  findNodeRuntime,
  MissingRuntimeError,
  type NodeRuntime,
} from "../src/real-node/node-runtime";
import { buildImageArchive } from "../src/real-node/oci-image";
import { HOST_DIRS } from "../src/real-node/host-paths";
import { procTable } from "../src/host/processes";
import { readClaim } from "../src/real-node/claim";
import { iptablesFamilies } from "../src/real-node/start";
import { REAL_NODE } from "../src/real-node/spec";
import { startCluster } from "../src/control-plane/start";
import { readState } from "../src/control-plane/state";
import { clusterStatus } from "../src/control-plane/status";
import { stopCluster } from "../src/control-plane/stop";
import { readSysctl, REAL_NODE_KERNEL_SETTINGS } from "../src/real-node/sysctl";
import type { ClusterInfo } from "../src/types";

/** Why this machine cannot run the suite (undefined: it can). */
function missingPrerequisite(): string | undefined {
  if (process.platform !== "linux") return "the real node runs on Linux only";
  if (!isRoot()) return "not root (the real node needs root)";
  try {
    findNodeRuntime();
  } catch (e) {
    // Missing toolchain binaries fail in the tests themselves, with how to build them.
    if (e instanceof MissingRuntimeError && e.missing.length) return e.message.split("\n")[0];
  }
  return undefined;
}
const missing = missingPrerequisite();
if (missing) {
  throw new Error(
    `the real-node integration test cannot run here: ${missing}; run it as root after \`sudo tools/toolchain/install-node-runtime.sh\``,
  );
}

interface Pod extends KubeObject {
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    podIP?: string;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}
interface NodeObject extends KubeObject {
  spec?: { podCIDR?: string; taints?: { key: string; value?: string; effect: string }[] };
  status?: {
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; containerRuntimeVersion?: string };
  };
}

const NS = "default";
const isReady = (p: Pod) =>
  (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

/** GET http://<ip>:<port>/ from this machine (not from a pod). */
function httpGet(ip: string, port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: ip, port, path: "/", agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
    });
    req.setTimeout(2000, () => req.destroy(new Error("no answer within 2 s")));
    req.on("error", reject);
  });
}

const veths = () => readdirSync("/sys/class/net").filter((n) => n.startsWith("veth"));

describe("a real node", () => {
  let dir: string;
  let work: string;
  let runtime: NodeRuntime;
  let families: IptablesFamily[];
  let info: ClusterInfo;
  let client: KubeClient;
  const token = randomBytes(8).toString("hex");
  const baseline = {} as {
    chains: string[];
    nft: string[];
    veths: string[];
    sysctls: Record<string, string | undefined>;
    hostDirs: Record<string, boolean>;
  };
  const logs: string[] = [];
  const log = (line: string) => logs.push(line);

  beforeAll(() => {
    runtime = findNodeRuntime(); // throws for missing toolchain binaries: every test then fails
    families = iptablesFamilies(runtime);
    dir = mkdtempSync(join(tmpdir(), "steady-rn-"));
    work = mkdtempSync(join(tmpdir(), "steady-rn-image-"));
    baseline.chains = listNodeChains(families);
    baseline.nft = listNftTables(runtime.nft);
    baseline.veths = veths();
    baseline.sysctls = Object.fromEntries(
      REAL_NODE_KERNEL_SETTINGS.map((s) => [s.key, readSysctl(s.key)]),
    );
    baseline.hostDirs = Object.fromEntries(HOST_DIRS.map((d) => [d, existsSync(d)]));
  });

  afterAll(async () => {
    client?.close();
    if (dir && existsSync(dir)) await stopCluster({ dir, purge: true }); // no strays, whatever failed
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("up --real-node: the control plane, kwok and a Ready real node", async () => {
    info = await startCluster({ dir, log, realNode: "beside-kwok" });
    console.log(`cold up --real-node ${info.elapsedMs} ms\n${logs.join("\n")}`);
    expect(info.outcome).toBe("started");
    expect(info.components.map((c) => c.name)).toContain("kwok");
    expect(info.realNode?.components.map((c) => c.name)).toEqual([
      "containerd",
      "kubelet",
      "kube-proxy",
    ]);
    const status = await clusterStatus({ dir });
    expect(status.healthy).toBe(true);
    expect(status.realNode).toMatchObject({
      name: REAL_NODE.name,
      ready: true,
      podCidr: REAL_NODE_NETWORK.podCidr,
      bridge: REAL_NODE_NETWORK.bridge,
    });
    expect(status.realNode?.components.every((c) => c.liveness === "running" && c.ready)).toBe(
      true,
    );
    console.log(
      "RSS " +
        status
          .realNode!.components.map((c) => `${c.name}=${Math.round((c.rssKiB ?? 0) / 1024)}MiB`)
          .join(" "),
    );
    expect(readClaim()?.dataDir).toBe(dir);

    client = KubeClient.fromKubeconfig(info.kubeconfigPath);
    const node = await client.get<NodeObject>(`/api/v1/nodes/${REAL_NODE.name}`);
    expect(node.metadata?.labels?.[REAL_NODE.label.key]).toBe(REAL_NODE.label.value);
    expect(node.spec?.taints).toContainEqual(REAL_NODE.taint);
    expect(node.spec?.podCIDR).toBe(REAL_NODE_NETWORK.podCidr);
    expect(node.status?.addresses).toContainEqual({
      type: "InternalIP",
      address: REAL_NODE_NETWORK.gatewayIp,
    });
    // A real kubelet and runtime, not kwok's simulation: kwok leaves nodes without its
    // annotation alone.
    expect(node.metadata?.annotations?.["kwok.x-k8s.io/node"]).toBeUndefined();
    expect(node.status?.nodeInfo?.kubeletVersion).toBe("v1.34.4");
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^containerd:\/\//);
  });

  it("the kubelet is system:node:<name>, held by NodeRestriction to its own Node", async () => {
    const kubelet = KubeClient.fromKubeconfig(join(dir, "kubeconfigs", "kubelet.kubeconfig"));
    try {
      const review = await kubelet.request<{
        status: { userInfo: { username: string; groups: string[] } };
      }>("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "SelfSubjectReview",
      });
      expect(review.status.userInfo.username).toBe(`system:node:${REAL_NODE.name}`);
      expect(review.status.userInfo.groups).toContain("system:nodes");
      expect(review.status.userInfo.groups).not.toContain("system:masters");
      const other = "steady-rn-other-node";
      await client.request("POST", "/api/v1/nodes", {
        metadata: { name: other, annotations: { "kwok.x-k8s.io/node": "fake" } },
      });
      const patch = { metadata: { labels: { "example.com/hijacked": "yes" } } };
      const err = await kubelet.request("PATCH", `/api/v1/nodes/${other}`, patch).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(KubeApiError);
      expect((err as KubeApiError).statusCode).toBe(403);
      expect((err as KubeApiError).message).toContain(
        `node "${REAL_NODE.name}" is not allowed to modify node "${other}"`,
      );
      const secrets = await kubelet.list(`/api/v1/namespaces/${NS}/secrets`).then(
        () => 200,
        (e: unknown) => (e as KubeApiError).statusCode,
      );
      expect(secrets).toBe(403);
      await client.request("DELETE", `/api/v1/nodes/${other}`);
    } finally {
      kubelet.close();
    }
  });

  it("keeps pods that do not tolerate its taint off it", async () => {
    await client.request("POST", `/api/v1/namespaces/${NS}/pods`, {
      metadata: { name: "intolerant" },
      spec: { containers: [{ name: "app", image: "registry.example/never-pulled:1" }] },
    });
    const pod = await waitFor(
      "the scheduler to give up on pod intolerant",
      async () => {
        const p = await client.get<Pod>(`/api/v1/namespaces/${NS}/pods/intolerant`);
        const c = p.status?.conditions?.find((x) => x.type === "PodScheduled");
        return c?.status === "False" ? { p, c } : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    expect(pod.p.spec?.nodeName).toBeUndefined();
    expect(pod.c.reason).toBe("Unschedulable");
    expect(pod.c.message).toContain("untolerated taint");
    await client.request("DELETE", `/api/v1/namespaces/${NS}/pods/intolerant`);
  });

  it("runs a pod from an imported image, and its Service's cluster IP answers on this machine", async () => {
    const www = join(work, "www");
    mkdirSync(www);
    writeFileSync(join(www, "index.html"), token);
    const archive = buildImageArchive(runtime, join(work, "image"), {
      tag: "1",
      files: [
        { from: runtime.busybox, to: "/bin/busybox" },
        { from: www, to: "/www" },
      ],
      entrypoint: ["/bin/busybox"],
      cmd: ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"],
      user: "65534:65534",
    });
    const snapshotter = readState(join(dir, "state.json"))!.realNode!.snapshotter;
    importImage(
      { ctr: runtime.ctr, socket: info.realNode!.containerdSocket },
      { namespace: "k8s.io", archive, repository: "localhost/steady-test/web", snapshotter },
    );

    const t0 = Date.now();
    await client.request("POST", `/api/v1/namespaces/${NS}/pods`, {
      metadata: { name: "web", labels: { app: "steady-rn-web" } },
      spec: {
        nodeSelector: { [REAL_NODE.label.key]: REAL_NODE.label.value },
        tolerations: [{ key: REAL_NODE.taint.key, operator: "Exists", effect: "NoSchedule" }],
        containers: [
          {
            name: "web",
            image: "localhost/steady-test/web:1",
            imagePullPolicy: "Never",
            ports: [{ containerPort: 8080 }],
            readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
          },
        ],
      },
    });
    const svc = await client.request<{ spec: { clusterIP: string } }>(
      "POST",
      `/api/v1/namespaces/${NS}/services`,
      {
        metadata: { name: "web" },
        spec: { selector: { app: "steady-rn-web" }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    );
    const pod = await waitFor(
      "pod web to be Ready",
      async () => {
        const p = await client.get<Pod>(`/api/v1/namespaces/${NS}/pods/web`);
        return isReady(p) ? p : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    console.log(`pod on the real node Ready after ${Date.now() - t0} ms`);
    expect(pod.spec?.nodeName).toBe(REAL_NODE.name);
    expect(cidrContains(REAL_NODE_NETWORK.podCidr, pod.status!.podIP!)).toBe(true);

    const answer = await waitFor(
      `http://${svc.spec.clusterIP}/ to answer`,
      async () => {
        const r = await httpGet(svc.spec.clusterIP, 80);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    console.log(`Service ${svc.spec.clusterIP}:80 answered after ${Date.now() - t0} ms`);
    expect(answer.body).toBe(token);
    // The API server reaches the kubelet too (logs, exec): httpd -v logged that request.
    const podLog = await client.get<string>(`/api/v1/namespaces/${NS}/pods/web/log`);
    expect(String(podLog)).toMatch(/response:200/);
  });

  it("up again: already running, same processes", async () => {
    const again = await startCluster({ dir, log });
    expect(again.outcome).toBe("already-running");
    expect(again.realNode?.outcome).toBe("already-running");
    expect(again.realNode?.components.map((c) => c.pid)).toEqual(
      info.realNode?.components.map((c) => c.pid),
    );
  });

  it("a crashed containerd and kubelet: the next up cleans up and starts the node again", async () => {
    const crashed = info.realNode!.components.filter((c) => c.name !== "kube-proxy");
    for (const c of crashed) process.kill(c.pid, "SIGKILL");
    await waitFor(
      "containerd and the kubelet to die",
      async () => crashed.every((c) => procTable.cmdline(c.pid) === undefined) || undefined,
      { timeoutMs: 5000, intervalMs: 200 },
    );
    // Their containers outlive them (the shims keep them): a stale node with leftovers.
    expect(findShims(info.realNode!.containerdSocket).length).toBeGreaterThan(0);
    expect((await clusterStatus({ dir })).healthy).toBe(false);

    logs.length = 0;
    const restarted = await startCluster({ dir, log });
    console.log(`restart after a crash ${restarted.elapsedMs} ms`);
    expect(restarted.outcome).toBe("restarted");
    expect(logs.join("\n")).toMatch(/kubelet: not running — pid \d+ is gone/);
    expect(restarted.realNode?.outcome).toBe("started");
    for (const c of info.realNode!.components) expect(procTable.cmdline(c.pid)).toBeUndefined();
    info = restarted;
    // The pod object survived; the new kubelet runs it again.
    const svc = await client.get<{ spec: { clusterIP: string } }>(
      `/api/v1/namespaces/${NS}/services/web`,
    );
    const answer = await waitFor(
      "the Service to answer again",
      async () => {
        const r = await httpGet(svc.spec.clusterIP, 80);
        return r.status === 200 ? r : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(answer.body).toBe(token);
  });

  it("down --purge removes every process, chain, interface, mount, cgroup and setting it made", async () => {
    const socket = info.realNode!.containerdSocket;
    const pids = [...info.components, ...info.realNode!.components].map((c) => c.pid);
    const containerIds = criContainerIds(join(dir, "node", "containerd", "root"));
    expect(containerIds.length).toBeGreaterThan(0);
    const t0 = Date.now();
    const result = await stopCluster({ dir, purge: true });
    console.log(`down --purge ${Date.now() - t0} ms`);
    expect(result.realNodeLeftovers).toEqual([]);
    expect(result.purged).toBe(true);
    expect(existsSync(dir)).toBe(false);

    for (const pid of pids) expect(procTable.cmdline(pid)).toBeUndefined();
    expect(findShims(socket)).toEqual([]);
    const hierarchies = cgroupHierarchies();
    expect(cgroupProcesses(hierarchies, REAL_NODE.cgroupRoot)).toEqual([]);
    for (const h of hierarchies) {
      expect(existsSync(join(h.mountPoint, REAL_NODE.cgroupRoot))).toBe(false);
    }
    expect(listNodeChains(families)).toEqual(baseline.chains);
    expect(listNftTables(runtime.nft)).toEqual(baseline.nft);
    expect(existsSync(`/sys/class/net/${REAL_NODE_NETWORK.bridge}`)).toBe(false);
    expect(veths().filter((v) => !baseline.veths.includes(v))).toEqual([]);
    expect(mountsUnder(readMountinfo(), dir)).toEqual([]);
    for (const s of REAL_NODE_KERNEL_SETTINGS)
      expect([s.key, readSysctl(s.key)]).toEqual([s.key, baseline.sysctls[s.key]]);
    // Directories other programs may share (another containerd's /run/containerd) are checked
    // by their entries of ours; the rest must be as before.
    for (const id of containerIds) {
      expect(existsSync(shimSocketPath(socket, "k8s.io", id))).toBe(false);
    }
    for (const d of HOST_DIRS.filter((x) => !x.startsWith("/run/containerd"))) {
      expect([d, existsSync(d)]).toEqual([d, baseline.hostDirs[d]]);
    }
    expect(readClaim()).toBeUndefined();
  });
});
