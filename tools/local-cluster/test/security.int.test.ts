/**
 * Tries the doors of a real local cluster (toolchain binaries, simulated nodes): etcd without
 * TLS or without a certificate, kwok's identity, a kubelet's identity, and no identity at all.
 * Each refusal has a control beside it that goes through the same door with the right key, so
 * a refusal for an unrelated reason (a typo, a cluster that is down) does not pass.
 * Without the binaries this FAILS with the missing-binary message; it never skips.
 */
import { readFileSync, statSync } from "node:fs";
import { waitFor } from "@steady/testing";
import * as http from "node:http";
import * as https from "node:https";
import { join } from "node:path";
import { findClusterBinaries } from "../src/host/binaries";
import { etcdClientTls } from "../src/control-plane/health";
import { KubeApiError, KubeClient, type KubeObject } from "@steady/deploy";
import { layout } from "../src/paths";
import { ensureClientCertificate } from "../src/pki/pki";
import type { HttpCheckTls } from "../src/host/readiness";
import { startCluster } from "../src/control-plane/start";
import { readState } from "../src/control-plane/state";
import { clusterStatus } from "../src/control-plane/status";
import { stopCluster } from "../src/control-plane/stop";
import { tempDir } from "./helpers";

const NODE_A = "steady-sec-node-a";
const NODE_B = "steady-sec-node-b";
const NS = "default";
const OTHER_NS = "steady-sec-other";

/** The HTTP status of a request, or the error text when there was no HTTP answer. */
async function answer(p: Promise<unknown>): Promise<number | string> {
  try {
    await p;
    return 200;
  } catch (e) {
    if (e instanceof KubeApiError) return e.statusCode;
    return (e as Error).message;
  }
}

/** The API's message of a refused request (for the report of each door). */
async function refusal(p: Promise<unknown>): Promise<{ status: number; message: string }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KubeApiError) {
      const body = e.body as { message?: string } | undefined;
      return { status: e.statusCode, message: body?.message ?? String(e.body) };
    }
    throw e;
  }
  return { status: 200, message: "" };
}

/**
 * etcd's v3 JSON gateway: POST /v3/kv/range for one key. Its status and how many keys came
 * back, or the error text when the connection failed (TLS alerts, a dropped connection).
 */
function etcdRange(
  base: string,
  key: string,
  tls: HttpCheckTls = {},
): Promise<{ status: number; count: number } | string> {
  const body = JSON.stringify({ key: Buffer.from(key).toString("base64") });
  const url = new URL("/v3/kv/range", base);
  return new Promise((resolve) => {
    const options = {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      agent: false,
    };
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let count = 0;
        try {
          count = Number((JSON.parse(text) as { count?: string }).count ?? 0);
        } catch {
          // not JSON: count stays 0
        }
        resolve({ status: res.statusCode ?? 0, count });
      });
    };
    const req =
      url.protocol === "https:"
        ? https.request(url, { ...options, ca: tls.ca, cert: tls.cert, key: tls.key }, onResponse)
        : http.request(url, options, onResponse);
    req.setTimeout(5000, () => req.destroy(new Error("no answer within 5 s")));
    req.on("error", (e) => resolve(e.message));
    req.end(body);
  });
}

const simulatedNode = (name: string) => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, annotations: { "kwok.x-k8s.io/node": "fake" } },
  status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } },
});

/** A pod bound to `node` that mounts Secret `secret`: the Node authorizer's edge node→secret. */
const podWithSecret = (name: string, node: string, secret: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name },
  spec: {
    nodeName: node,
    containers: [{ name: "app", image: "registry.example/steady/app:1" }],
    volumes: [{ name: "s", secret: { secretName: secret } }],
  },
});

type Conditions = { status?: { conditions?: { type: string; status: string }[]; phase?: string } };
const ready = (o: Conditions) =>
  (o.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

describe("the local cluster's doors", () => {
  const t = tempDir("steady-local-sec-");
  const l = layout(t.dir);
  let admin: KubeClient;
  let etcdUrl: string;
  let etcdPeerUrl: string;
  const doors: string[] = [];
  const record = (door: string, result: unknown) => {
    doors.push(`${door}: ${typeof result === "string" ? result : JSON.stringify(result)}`);
  };

  beforeAll(async () => {
    findClusterBinaries(); // fails every test with the build command when binaries are missing
    const info = await startCluster({ dir: t.dir });
    console.log(`up (simulated nodes) ${info.elapsedMs} ms`);
    admin = KubeClient.fromKubeconfig(info.kubeconfigPath);
    const state = readState(l.stateFile)!;
    etcdUrl = `https://127.0.0.1:${state.ports.etcdClient}`;
    etcdPeerUrl = `https://127.0.0.1:${state.ports.etcdPeer}`;
    for (const name of [NODE_A, NODE_B]) {
      await admin.request("POST", "/api/v1/nodes", simulatedNode(name));
    }
    await admin.request("POST", "/api/v1/namespaces", { metadata: { name: OTHER_NS } });
    for (const [secret, pod, node] of [
      ["secret-a", "pod-a", NODE_A],
      ["secret-b", "pod-b", NODE_B],
    ] as const) {
      await admin.request("POST", `/api/v1/namespaces/${NS}/secrets`, {
        metadata: { name: secret },
        stringData: { k: secret },
      });
      await admin.request(
        "POST",
        `/api/v1/namespaces/${NS}/pods`,
        podWithSecret(pod, node, secret),
      );
    }
  });

  afterAll(async () => {
    admin?.close();
    console.log(`doors tried:\n  ${doors.join("\n  ")}`);
    await stopCluster({ dir: t.dir });
    t.cleanup();
  });

  describe("etcd", () => {
    const SECRET_KEY = `/registry/secrets/${NS}/secret-a`;
    const pem = (name: string) => readFileSync(join(l.pkiDir, name));

    it("gives the Secret's key to the API server's etcd client certificate (the control)", async () => {
      const res = await etcdRange(etcdUrl, SECRET_KEY, etcdClientTls(l.pkiDir));
      record(
        "etcd range /registry/secrets/default/secret-a with the API server's certificate",
        res,
      );
      expect(res).toEqual({ status: 200, count: 1 });
    });

    it("refuses plain HTTP on its client and peer ports", async () => {
      for (const [port, url] of [
        ["client", etcdUrl],
        ["peer", etcdPeerUrl],
      ] as const) {
        const res = await etcdRange(url.replace("https://", "http://"), SECRET_KEY);
        record(`etcd ${port} port, plain HTTP range of the Secret's key`, res);
        // etcd's TLS listener drops a connection that does not start with a TLS handshake.
        expect(res).toMatch(/^(socket hang up|read ECONNRESET)$/);
      }
    });

    it("refuses a TLS client without a certificate", async () => {
      const res = await etcdRange(etcdUrl, SECRET_KEY, { ca: pem("etcd-ca.crt") });
      record("etcd client port, TLS without a client certificate", res);
      expect(res).toMatch(/alert certificate required/);
    });

    it("refuses the admin's certificate: kubeconfig certificates come from another CA", async () => {
      const tls = {
        ca: pem("etcd-ca.crt"),
        cert: pem("client-admin.crt"),
        key: pem("client-admin.key"),
      };
      const res = await etcdRange(etcdUrl, SECRET_KEY, tls);
      record("etcd client port, the admin's (cluster CA) client certificate", res);
      expect(res).toMatch(/alert unknown ca/);
    });

    it("keeps its data directory and keys private", () => {
      expect(statSync(l.etcdDataDir).mode & 0o777).toBe(0o700);
      expect(statSync(l.pkiDir).mode & 0o777).toBe(0o700);
      for (const key of ["etcd-ca.key", "etcd-server.key", "apiserver-etcd-client.key"]) {
        expect(statSync(join(l.pkiDir, key)).mode & 0o777).toBe(0o600);
      }
    });
  });

  describe("kwok's identity", () => {
    let kwok: KubeClient;
    beforeAll(() => (kwok = KubeClient.fromKubeconfig(join(l.kubeconfigsDir, "kwok.kubeconfig"))));
    afterAll(() => kwok?.close());

    it("runs the simulated nodes and their pods with only its ClusterRole (the control)", async () => {
      for (const name of [NODE_A, NODE_B]) {
        await waitFor(
          `${name} Ready`,
          async () =>
            ready(await admin.get<KubeObject & Conditions>(`/api/v1/nodes/${name}`)) || undefined,
          { timeoutMs: 60_000, intervalMs: 150 },
        );
      }
      for (const pod of ["pod-a", "pod-b"]) {
        await waitFor(
          `${pod} Running and Ready`,
          async () => {
            const p = await admin.get<KubeObject & Conditions>(
              `/api/v1/namespaces/${NS}/pods/${pod}`,
            );
            return (p.status?.phase === "Running" && ready(p)) || undefined;
          },
          { timeoutMs: 60_000, intervalMs: 150 },
        );
      }
      // Each of kwok's writes once: a Pod with a finalizer is deleted (kwok patches the
      // finalizer away, then deletes it), and a node Lease is renewed (an update, every 10 s).
      await admin.request("POST", `/api/v1/namespaces/${NS}/pods`, {
        ...podWithSecret("pod-gone", NODE_A, "secret-a"),
        metadata: { name: "pod-gone", finalizers: ["example.com/keep"] },
      });
      await admin.request("DELETE", `/api/v1/namespaces/${NS}/pods/pod-gone`);
      await waitFor(
        "kwok to remove pod-gone",
        async () => {
          const got = await answer(admin.get(`/api/v1/namespaces/${NS}/pods/pod-gone`));
          return got === 404 || undefined;
        },
        { timeoutMs: 30_000, intervalMs: 150 },
      );
      const leasePath = `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${NODE_A}`;
      type Lease = KubeObject & { spec?: { renewTime?: string } };
      const first = (await admin.get<Lease>(leasePath)).spec?.renewTime;
      await waitFor(
        "kwok to renew the Lease of node A",
        async () => {
          const renewed = (await admin.get<Lease>(leasePath)).spec?.renewTime;
          return (renewed !== undefined && renewed !== first) || undefined;
        },
        { timeoutMs: 40_000, intervalMs: 150 },
      );
      // What kwok was refused while doing all that: nothing.
      const denials = readFileSync(l.logFile("kwok"), "utf8")
        .split("\n")
        .filter((line) =>
          /forbidden|cannot (list|watch|patch|create|update|get|delete)/i.test(line),
        );
      expect(denials).toEqual([]);
      record("kwok: nodes Ready, pods Running, RBAC denials in its log", denials.length);
    });

    it("cannot read Secrets", async () => {
      const list = await refusal(kwok.list(`/api/v1/namespaces/${NS}/secrets`));
      const one = await refusal(kwok.get(`/api/v1/namespaces/${NS}/secrets/secret-a`));
      record("kwok lists Secrets", list);
      record("kwok reads Secret secret-a", one);
      expect(list.status).toBe(403);
      expect(list.message).toBe(
        `secrets is forbidden: User "steady-kwok" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
      );
      expect(one.status).toBe(403);
    });

    it("cannot create Pods, in another namespace or its own", async () => {
      for (const ns of [OTHER_NS, NS]) {
        const r = await refusal(
          kwok.request(
            "POST",
            `/api/v1/namespaces/${ns}/pods`,
            podWithSecret("intruder", NODE_A, "secret-a"),
          ),
        );
        record(`kwok creates a Pod in ${ns}`, r);
        expect(r.status).toBe(403);
        expect(r.message).toContain(`User "steady-kwok" cannot create resource "pods"`);
      }
    });
  });

  describe("a node's identity (system:node:<name>, group system:nodes)", () => {
    let nodeA: KubeClient;
    beforeAll(() => {
      const creds = ensureClientCertificate(l.pkiDir, "sec-test-node-a", {
        user: `system:node:${NODE_A}`,
        groups: ["system:nodes"],
      });
      const base = KubeClient.fromKubeconfig(l.kubeconfig).config;
      nodeA = new KubeClient({
        server: base.server,
        ca: base.ca,
        cert: readFileSync(creds.certFile),
        key: readFileSync(creds.keyFile),
      });
    });
    afterAll(() => nodeA?.close());

    it("labels its own Node (the control)", async () => {
      const patch = { metadata: { labels: { "example.com/own": "yes" } } };
      expect(await answer(nodeA.request("PATCH", `/api/v1/nodes/${NODE_A}`, patch))).toBe(200);
    });

    it("cannot label another Node (NodeRestriction)", async () => {
      const patch = { metadata: { labels: { "example.com/hijacked": "yes" } } };
      const r = await refusal(nodeA.request("PATCH", `/api/v1/nodes/${NODE_B}`, patch));
      record(`system:node:${NODE_A} labels Node ${NODE_B}`, r);
      expect(r.status).toBe(403);
      expect(r.message).toContain(`node "${NODE_A}" is not allowed to modify node "${NODE_B}"`);
    });

    it("reads the Secret of a pod bound to it (the control), not that of a pod on another node", async () => {
      // The Node authorizer learns pod→secret edges from a watch: wait until it has them.
      await waitFor(
        "the Node authorizer to see pod-a",
        async () => {
          const got = await answer(nodeA.get(`/api/v1/namespaces/${NS}/secrets/secret-a`));
          return got === 200 || undefined;
        },
        { timeoutMs: 20_000, intervalMs: 150 },
      );
      const r = await refusal(nodeA.get(`/api/v1/namespaces/${NS}/secrets/secret-b`));
      const all = await refusal(nodeA.list(`/api/v1/namespaces/${NS}/secrets`));
      record(`system:node:${NODE_A} reads secret-b (mounted by a pod on ${NODE_B})`, r);
      record(`system:node:${NODE_A} lists Secrets`, all);
      expect(r.status).toBe(403);
      expect(r.message).toContain(`no relationship found between node '${NODE_A}' and this object`);
      expect(all.status).toBe(403);
    });
  });

  it("an anonymous request gets 403 (401 for a bad token): no data without an identity", async () => {
    const base = KubeClient.fromKubeconfig(l.kubeconfig).config;
    const anonymous = new KubeClient({ server: base.server, ca: base.ca });
    const bogus = new KubeClient({ server: base.server, ca: base.ca, token: "not-a-token" });
    try {
      const secrets = await refusal(anonymous.list(`/api/v1/namespaces/${NS}/secrets`));
      const pods = await refusal(anonymous.list(`/api/v1/pods`));
      const token = await refusal(bogus.list(`/api/v1/namespaces/${NS}/secrets`));
      record("anonymous lists Secrets", secrets);
      record("anonymous lists Pods", pods);
      record("a made-up bearer token lists Secrets", token);
      expect(secrets).toEqual({
        status: 403,
        message: `secrets is forbidden: User "system:anonymous" cannot list resource "secrets" in API group "" in the namespace "${NS}"`,
      });
      expect(pods.status).toBe(403);
      expect(token.status).toBe(401);
    } finally {
      anonymous.close();
      bogus.close();
    }
  });

  it("status reports the posture in one line", async () => {
    const s = await clusterStatus({ dir: t.dir });
    record("status security line", s.security);
    expect(s.security).toBe(
      "etcd TLS, client certificates required; authorization Node,RBAC; " +
        "admission plugins NodeRestriction — as up sets it",
    );
  });
});
