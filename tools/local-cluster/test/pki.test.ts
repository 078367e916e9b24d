import { X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  apiServerSans,
  ensureClientCertificate,
  ensurePki,
  existingAuthMode,
  findOpenssl,
  firstServiceIp,
  tokenFileLine,
} from "../src/pki/pki";
import { tempDir, useTempDir } from "./helpers";

describe("pki helpers", () => {
  it("the kubernetes Service IP is the first of the service range", () => {
    expect(firstServiceIp("10.254.0.0/16")).toBe("10.254.0.1");
    expect(apiServerSans()).toEqual(expect.arrayContaining(["IP:127.0.0.1", "IP:10.254.0.1"]));
  });

  it("formats static token lines with quoted groups", () => {
    expect(tokenFileLine("t", "admin", ["system:masters"])).toBe('t,admin,admin,"system:masters"');
    expect(tokenFileLine("t", "system:kube-scheduler", [])).toBe(
      "t,system:kube-scheduler,system:kube-scheduler",
    );
  });
});

describe("client certificates for the real node", () => {
  it("need a certificate authority: a token-mode PKI has none", () => {
    const t = tempDir();
    try {
      ensurePki(t.dir, "token");
      expect(() => ensureClientCertificate(t.dir, "kubelet", { user: "u", groups: [] })).toThrow(
        `${t.dir} has no certificate authority (the cluster uses bearer tokens)`,
      );
    } finally {
      t.cleanup();
    }
  });
});

describe("token mode", () => {
  const t = useTempDir();

  it("writes a private token file and keeps the tokens across calls", () => {
    const pki = ensurePki(t.dir, "token");
    expect(pki.mode).toBe("token");
    expect(existingAuthMode(t.dir)).toBe("token");
    const file = join(t.dir, "tokens.csv");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const lines = readFileSync(file, "utf8").trim().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.includes("steady-admin"))).toMatch(/"system:masters"$/);
    expect(pki.apiServerFlags).toEqual([
      `--cert-dir=${join(t.dir, "apiserver")}`,
      `--token-auth-file=${file}`,
    ]);
    const again = ensurePki(t.dir, "certs"); // the existing mode wins
    expect(again.mode).toBe("token");
    expect(again.credentials).toEqual(pki.credentials);
    expect(readFileSync(pki.serviceAccountKeyFile, "utf8")).toMatch(/BEGIN PRIVATE KEY/);
  });
});

const withOpenssl = findOpenssl() ? describe : describe.skip;
withOpenssl("certs mode (openssl)", () => {
  let t: ReturnType<typeof tempDir>;
  beforeAll(() => (t = tempDir()));
  afterAll(() => t.cleanup());

  it("makes a CA, a serving certificate for 127.0.0.1 and one client certificate per identity", () => {
    const pki = ensurePki(t.dir, "certs");
    expect(pki.mode).toBe("certs");
    const ca = new X509Certificate(readFileSync(join(t.dir, "ca.crt")));
    expect(ca.ca).toBe(true);
    const serving = new X509Certificate(readFileSync(join(t.dir, "apiserver.crt")));
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(serving.checkHost("kubernetes.default.svc")).toBe("kubernetes.default.svc");
    const subjects = Object.fromEntries(
      Object.entries(pki.credentials).map(([id, c]) => {
        if (c.kind !== "cert") throw new Error("expected certificates");
        const cert = new X509Certificate(readFileSync(c.certFile));
        expect(cert.verify(ca.publicKey)).toBe(true);
        expect(statSync(c.keyFile).mode & 0o077).toBe(0);
        return [id, cert.subject.split("\n").sort().join(",")];
      }),
    );
    expect(subjects).toEqual({
      admin: "CN=steady-admin,O=system:masters",
      "kube-controller-manager": "CN=system:kube-controller-manager",
      "kube-scheduler": "CN=system:kube-scheduler",
      kwok: "CN=steady-kwok",
    });
  });

  it("gives etcd its own CA: a serving and a peer certificate for 127.0.0.1, one client (the API server)", () => {
    const pki = ensurePki(t.dir, "certs");
    const read = (f: string) => new X509Certificate(readFileSync(f));
    const etcdCa = read(pki.etcd.caFile);
    const clusterCa = read(join(t.dir, "ca.crt"));
    expect(etcdCa.ca).toBe(true);
    const server = read(pki.etcd.serverCertFile);
    const peer = read(pki.etcd.peerCertFile);
    const client = read(pki.etcd.clientCertFile);
    for (const cert of [server, peer, client]) {
      expect(cert.verify(etcdCa.publicKey)).toBe(true);
      // Every kubeconfig's certificate comes from the cluster CA: none of them opens etcd.
      expect(cert.verify(clusterCa.publicKey)).toBe(false);
    }
    expect(server.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(peer.checkIP("127.0.0.1")).toBe("127.0.0.1");
    // serverAuth and clientAuth: the peer connects to peers, etcd's gateway to etcd itself.
    expect(server.keyUsage?.sort()).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(peer.keyUsage?.sort()).toEqual(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
    expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]); // clientAuth
    expect(client.subject).toBe("CN=kube-apiserver-etcd-client");
    for (const key of [pki.etcd.serverKeyFile, pki.etcd.peerKeyFile, pki.etcd.clientKeyFile]) {
      expect(statSync(key).mode & 0o777).toBe(0o600);
    }
    expect(statSync(t.dir).mode & 0o777).toBe(0o700);
  });

  it("makes a separate front-proxy CA for the aggregation layer", () => {
    const pki = ensurePki(t.dir, "certs");
    const ca = new X509Certificate(readFileSync(join(t.dir, "ca.crt")));
    const proxyCa = new X509Certificate(readFileSync(join(t.dir, "front-proxy-ca.crt")));
    const proxy = new X509Certificate(readFileSync(join(t.dir, "front-proxy-client.crt")));
    expect(proxy.verify(proxyCa.publicKey)).toBe(true);
    expect(proxy.verify(ca.publicKey)).toBe(false);
    expect(proxy.subject).toBe("CN=front-proxy-client");
    expect(pki.apiServerFlags).toEqual(
      expect.arrayContaining([
        `--requestheader-client-ca-file=${join(t.dir, "front-proxy-ca.crt")}`,
        "--requestheader-allowed-names=front-proxy-client",
        `--proxy-client-cert-file=${join(t.dir, "front-proxy-client.crt")}`,
      ]),
    );
  });

  it("gives the API server a client certificate for kubelets (logs, exec)", () => {
    const pki = ensurePki(t.dir, "certs");
    const cert = new X509Certificate(readFileSync(join(t.dir, "apiserver-kubelet-client.crt")));
    expect(cert.subject.split("\n").sort().join(",")).toBe(
      "CN=steady-apiserver-kubelet-client,O=system:masters",
    );
    expect(pki.apiServerFlags).toEqual(
      expect.arrayContaining([
        `--kubelet-client-certificate=${join(t.dir, "apiserver-kubelet-client.crt")}`,
        `--kubelet-client-key=${join(t.dir, "apiserver-kubelet-client.key")}`,
      ]),
    );
  });

  it("issues the real node's client certificates from the cluster CA, once", () => {
    ensurePki(t.dir, "certs");
    const identity = { user: "system:node:steady-real-node", groups: ["system:nodes"] };
    const creds = ensureClientCertificate(t.dir, "kubelet", identity);
    const cert = new X509Certificate(readFileSync(creds.certFile));
    const ca = new X509Certificate(readFileSync(join(t.dir, "ca.crt")));
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subject.split("\n").sort().join(",")).toBe(
      "CN=system:node:steady-real-node,O=system:nodes",
    );
    expect(statSync(creds.keyFile).mode & 0o077).toBe(0);
    const pem = readFileSync(creds.certFile, "utf8");
    ensureClientCertificate(t.dir, "kubelet", identity);
    expect(readFileSync(creds.certFile, "utf8")).toBe(pem);
  });

  it("converts a PKI of the previous version: etcd's files made, kwok's certificate re-issued without system:masters", () => {
    const old = tempDir();
    try {
      ensurePki(old.dir, "certs");
      // The previous version: no etcd files, and kwok's certificate in system:masters.
      const gone = /^(etcd-|apiserver-etcd-|client-kwok\.)/;
      for (const f of readdirSync(old.dir).filter((n) => gone.test(n))) {
        rmSync(join(old.dir, f));
      }
      ensureClientCertificate(old.dir, "kwok", { user: "steady-kwok", groups: ["system:masters"] });
      expect(new X509Certificate(readFileSync(join(old.dir, "client-kwok.crt"))).subject).toBe(
        "O=system:masters\nCN=steady-kwok",
      );
      const ca = readFileSync(join(old.dir, "ca.crt"), "utf8");
      const admin = readFileSync(join(old.dir, "client-admin.crt"), "utf8");
      const pki = ensurePki(old.dir);
      expect(pki.mode).toBe("certs");
      expect(existsSync(pki.etcd.caFile) && existsSync(pki.etcd.clientKeyFile)).toBe(true);
      const kwok = new X509Certificate(readFileSync(join(old.dir, "client-kwok.crt")));
      expect(kwok.subject).toBe("CN=steady-kwok");
      // The rest stays: kubeconfigs and service-account tokens out there remain valid.
      expect(readFileSync(join(old.dir, "ca.crt"), "utf8")).toBe(ca);
      expect(readFileSync(join(old.dir, "client-admin.crt"), "utf8")).toBe(admin);
    } finally {
      old.cleanup();
    }
  });

  it("reuses everything on the next call", () => {
    const before = readFileSync(join(t.dir, "ca.crt"), "utf8");
    const etcdCa = readFileSync(join(t.dir, "etcd-ca.crt"), "utf8");
    const kwok = readFileSync(join(t.dir, "client-kwok.crt"), "utf8");
    const saKey = readFileSync(join(t.dir, "sa.key"), "utf8");
    ensurePki(t.dir);
    expect(readFileSync(join(t.dir, "ca.crt"), "utf8")).toBe(before);
    expect(readFileSync(join(t.dir, "sa.key"), "utf8")).toBe(saKey);
    expect(readFileSync(join(t.dir, "etcd-ca.crt"), "utf8")).toBe(etcdCa);
    expect(readFileSync(join(t.dir, "client-kwok.crt"), "utf8")).toBe(kwok);
  });
});
