import { componentSpecs } from "../src/control-plane/components";
import { layout } from "../src/paths";
import type { Pki } from "../src/pki/pki";
import {
  describePosture,
  flagValue,
  postureGaps,
  securityPosture,
} from "../src/control-plane/security";
import type { ClusterState } from "../src/control-plane/state";
import { SAMPLE_ETCD_PKI } from "./helpers";

const ports = {
  etcdClient: 2001,
  etcdPeer: 2002,
  apiServer: 2003,
  controllerManager: 2004,
  scheduler: 2005,
  kwok: 2006,
};
const pki = {
  mode: "certs",
  serverCaFile: "/d/pki/ca.crt",
  serviceAccountKeyFile: "/d/pki/sa.key",
  serviceAccountPubFile: "/d/pki/sa.pub",
  apiServerFlags: [],
  controllerManagerFlags: [],
  credentials: {},
  etcd: SAMPLE_ETCD_PKI,
} as unknown as Pki;
const binaries = {
  etcd: "/tc/etcd",
  "kube-apiserver": "/tc/kube-apiserver",
  "kube-controller-manager": "/tc/kube-controller-manager",
  "kube-scheduler": "/tc/kube-scheduler",
  kwok: "/tc/kwok",
};
const record = (argv: readonly string[]) => ({ pid: 1, argv, port: 1, log: "/l", startedAt: "" });
const stateOf = (etcd: readonly string[], api: readonly string[]) =>
  ({
    components: { etcd: record(etcd), "kube-apiserver": record(api) },
  }) as Pick<ClusterState, "components">;

/** The command lines the previous version recorded (plain etcd, no admission plugin flag). */
const previousEtcd = [
  "/tc/etcd",
  "--listen-client-urls=http://127.0.0.1:2001",
  "--listen-peer-urls=http://127.0.0.1:2002",
];
const previousApi = ["/tc/kube-apiserver", "--authorization-mode=Node,RBAC"];

describe("security posture", () => {
  it("of a cluster as up starts it now: etcd TLS with client certificates, NodeRestriction, no gaps", () => {
    const specs = componentSpecs({ binaries, layout: layout("/d"), ports, pki, kwokStages: "/s" });
    const posture = securityPosture(stateOf(specs.etcd.argv, specs["kube-apiserver"].argv));
    expect(posture).toEqual({
      etcdTls: true,
      etcdClientCertAuth: true,
      etcdPeerTls: true,
      admissionPlugins: ["NodeRestriction"],
      authorizationModes: ["Node", "RBAC"],
    });
    expect(postureGaps(posture)).toEqual([]);
    expect(describePosture(posture)).toBe(
      "etcd TLS, client certificates required; authorization Node,RBAC; " +
        "admission plugins NodeRestriction — as up sets it",
    );
  });

  it("of a cluster the previous version started: every gap named, so up restarts it", () => {
    const posture = securityPosture(stateOf(previousEtcd, previousApi));
    expect(postureGaps(posture)).toEqual([
      "etcd serves plain HTTP",
      "etcd's peer port is not TLS with peer certificates",
      "admission plugin NodeRestriction is off",
    ]);
    expect(describePosture(posture)).toBe(
      "etcd plain HTTP, no client authentication; authorization Node,RBAC; admission plugins " +
        "defaults only — NOT as up sets it: etcd serves plain HTTP; etcd's peer port is not TLS " +
        "with peer certificates; admission plugin NodeRestriction is off",
    );
  });

  it.each([
    [["--listen-client-urls=https://h:1"], "etcd accepts clients without a certificate"],
    [
      ["--listen-client-urls=https://h:1", "--client-cert-auth=false"],
      "etcd accepts clients without a certificate",
    ],
  ])("TLS without client authentication is a gap (%j)", (etcd, gap) => {
    expect(postureGaps(securityPosture(stateOf(etcd, previousApi)))).toContain(gap);
  });

  it("a trusted CA file alone requires client certificates (etcd turns the check on with it)", () => {
    const etcd = ["--listen-client-urls=https://h:1", "--trusted-ca-file=/ca.crt"];
    expect(securityPosture(stateOf(etcd, previousApi)).etcdClientCertAuth).toBe(true);
  });

  it("an authorizer other than Node,RBAC is a gap", () => {
    const api = ["--authorization-mode=AlwaysAllow", "--enable-admission-plugins=NodeRestriction"];
    expect(postureGaps(securityPosture(stateOf([], api)))).toContain(
      "authorization mode is AlwaysAllow, not Node,RBAC",
    );
  });

  it("reads --name=value flags only", () => {
    expect(flagValue(["--a=1", "--ab=2"], "ab")).toBe("2");
    expect(flagValue(["--a", "1"], "a")).toBeUndefined();
  });
});
