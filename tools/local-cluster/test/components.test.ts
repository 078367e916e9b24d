import { componentSpecs, KWOK_NODE_SELECTOR } from "../src/control-plane/components";
import { kwokStagesFile, layout } from "../src/paths";
import type { Pki } from "../src/pki/pki";
import { SAMPLE_ETCD_PKI } from "./helpers";

const pki: Pki = {
  mode: "certs",
  serverCaFile: "/d/pki/ca.crt",
  serviceAccountKeyFile: "/d/pki/sa.key",
  serviceAccountPubFile: "/d/pki/sa.pub",
  apiServerFlags: ["--tls-cert-file=/d/pki/apiserver.crt", "--client-ca-file=/d/pki/ca.crt"],
  controllerManagerFlags: ["--cluster-signing-cert-file=/d/pki/ca.crt"],
  credentials: {
    admin: { kind: "token", token: "a" },
    "kube-controller-manager": { kind: "token", token: "b" },
    "kube-scheduler": { kind: "token", token: "c" },
    kwok: { kind: "token", token: "d" },
  },
  etcd: SAMPLE_ETCD_PKI,
};
const ports = {
  etcdClient: 2001,
  etcdPeer: 2002,
  apiServer: 2003,
  controllerManager: 2004,
  scheduler: 2005,
  kwok: 2006,
};
const binaries = {
  etcd: "/tc/etcd",
  "kube-apiserver": "/tc/kube-apiserver",
  "kube-controller-manager": "/tc/kube-controller-manager",
  "kube-scheduler": "/tc/kube-scheduler",
  kwok: "/tc/kwok",
};
const specs = () =>
  componentSpecs({ binaries, layout: layout("/d"), ports, pki, kwokStages: "/s.yaml" });

describe("component command lines", () => {
  it("are deterministic (they are compared with /proc/<pid>/cmdline)", () => {
    expect(specs()).toEqual(specs());
  });

  it("etcd: local data, 127.0.0.1 only, TLS with client certificates on both ports, no fsync", () => {
    const { argv, port } = specs().etcd;
    expect(port).toBe(2001);
    expect(argv[0]).toBe("/tc/etcd");
    expect(argv).toEqual(
      expect.arrayContaining([
        "--data-dir=/d/etcd",
        "--listen-client-urls=https://127.0.0.1:2001",
        "--advertise-client-urls=https://127.0.0.1:2001",
        "--listen-peer-urls=https://127.0.0.1:2002",
        "--initial-advertise-peer-urls=https://127.0.0.1:2002",
        "--cert-file=/d/pki/etcd-server.crt",
        "--key-file=/d/pki/etcd-server.key",
        "--trusted-ca-file=/d/pki/etcd-ca.crt",
        "--client-cert-auth=true",
        "--peer-cert-file=/d/pki/etcd-peer.crt",
        "--peer-key-file=/d/pki/etcd-peer.key",
        "--peer-trusted-ca-file=/d/pki/etcd-ca.crt",
        "--peer-client-cert-auth=true",
        "--unsafe-no-fsync",
      ]),
    );
    // No plain-HTTP listener of any kind (metrics included), no self-signed auto TLS.
    expect(argv.filter((a) => a.includes("http://"))).toEqual([]);
    expect(argv.filter((a) => /auto-tls|listen-metrics/.test(a))).toEqual([]);
  });

  it("kube-apiserver: RBAC, service range, service-account keys, PKI flags", () => {
    const { argv } = specs()["kube-apiserver"];
    expect(argv).toEqual(
      expect.arrayContaining([
        "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
        "--etcd-servers=https://127.0.0.1:2001",
        "--etcd-cafile=/d/pki/etcd-ca.crt",
        "--etcd-certfile=/d/pki/apiserver-etcd-client.crt",
        "--etcd-keyfile=/d/pki/apiserver-etcd-client.key",
        "--bind-address=127.0.0.1",
        // Loopback is not a valid endpoint of the `kubernetes` Service.
        "--advertise-address=10.252.0.2",
        "--secure-port=2003",
        "--authorization-mode=Node,RBAC",
        "--enable-admission-plugins=NodeRestriction",
        "--service-cluster-ip-range=10.254.0.0/16",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=/d/pki/sa.pub",
        "--service-account-signing-key-file=/d/pki/sa.key",
        ...pki.apiServerFlags,
      ]),
    );
    // PodSecurity stays on: no admission plugin is disabled.
    expect(argv.some((a) => a.startsWith("--disable-admission-plugins"))).toBe(false);
  });

  it("controller-manager and scheduler: own kubeconfigs, no leader election", () => {
    const s = specs();
    expect(s["kube-controller-manager"].argv).toEqual(
      expect.arrayContaining([
        "--kubeconfig=/d/kubeconfigs/kube-controller-manager.kubeconfig",
        "--secure-port=2004",
        "--leader-elect=false",
        "--use-service-account-credentials=true",
        "--service-account-private-key-file=/d/pki/sa.key",
        "--root-ca-file=/d/pki/ca.crt",
      ]),
    );
    expect(s["kube-scheduler"].argv).toEqual(
      expect.arrayContaining([
        "--kubeconfig=/d/kubeconfigs/kube-scheduler.kubeconfig",
        "--secure-port=2005",
        "--leader-elect=false",
      ]),
    );
  });

  it("kwok: only annotated nodes, our stages, pod CIDR, its own HOME", () => {
    const k = specs().kwok;
    expect(k.argv).toEqual(
      expect.arrayContaining([
        "--config=/s.yaml",
        `--manage-nodes-with-annotation-selector=${KWOK_NODE_SELECTOR}`,
        "--cidr=10.253.0.0/16",
        "--server-address=127.0.0.1:2006",
      ]),
    );
    expect(KWOK_NODE_SELECTOR).toBe("kwok.x-k8s.io/node=fake");
    expect(k.env).toEqual({ HOME: "/d/kwok" });
  });

  it("the stages file ships with the package", () => {
    expect(kwokStagesFile()).toMatch(/tools\/local-cluster\/kwok\/stages\.yaml$/);
  });
});
