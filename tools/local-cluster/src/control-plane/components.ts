import { join } from "node:path";
import type { ClusterBinary } from "../host/binaries";
import { NETWORK } from "../network";
import type { ComponentName, Layout } from "../paths";
import type { Pki } from "../pki/pki";
import { HOST, type Ports } from "../host/ports";

/** Annotation (key=value) that marks the Node objects kwok simulates. */
export const KWOK_NODE_SELECTOR = "kwok.x-k8s.io/node=fake";

/** Issuer of service-account tokens. */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/**
 * Admission plugins on top of kube-apiserver's default set. NodeRestriction holds a kubelet
 * (user system:node:<name> in group system:nodes) to its own Node object and the pods bound to
 * it; the Node authorizer alone lets any kubelet update any Node.
 */
export const ADMISSION_PLUGINS: readonly string[] = ["NodeRestriction"];

/** kube-apiserver's authorizers, in order: the Node authorizer for kubelets, then RBAC. */
export const AUTHORIZATION_MODES: readonly string[] = ["Node", "RBAC"];

/** How to start one component, and how to tell it is ready. */
export interface ComponentSpec {
  readonly name: ComponentName;
  readonly argv: readonly string[];
  /** The port that identifies it (etcd client, secure port, kwok's HTTP server). */
  readonly port: number;
  /** Extra environment variables. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface SpecInputs {
  readonly binaries: Readonly<Record<ClusterBinary, string>>;
  readonly layout: Layout;
  readonly ports: Ports;
  readonly pki: Pki;
  readonly kwokStages: string;
}

export const componentKubeconfig = (layout: Layout, name: ComponentName) =>
  join(layout.kubeconfigsDir, `${name}.kubeconfig`);

/** The command line of every component (pure: same inputs, same argv — they are compared). */
export function componentSpecs(i: SpecInputs): Record<ComponentName, ComponentSpec> {
  return {
    etcd: etcdSpec(i),
    "kube-apiserver": apiServerSpec(i),
    "kube-controller-manager": controllerManagerSpec(i),
    "kube-scheduler": schedulerSpec(i),
    kwok: kwokSpec(i),
  };
}

// etcd serves TLS on both ports and accepts only certificates signed by its own CA.
const etcdUrl = (port: number) => `https://${HOST}:${port}`;

/** A control-plane client's kubeconfig, also for delegated authentication and authorization. */
function delegated(layout: Layout, name: ComponentName): string[] {
  const kc = componentKubeconfig(layout, name);
  return [
    `--kubeconfig=${kc}`,
    `--authentication-kubeconfig=${kc}`,
    `--authorization-kubeconfig=${kc}`,
  ];
}

/** etcd: TLS on both ports, only certificates signed by its own CA. */
function etcdSpec(i: SpecInputs): ComponentSpec {
  const { binaries: bin, layout, ports, pki } = i;
  return {
    name: "etcd",
    port: ports.etcdClient,
    argv: [
      bin.etcd,
      "--name=steady-local",
      `--data-dir=${layout.etcdDataDir}`,
      `--listen-client-urls=${etcdUrl(ports.etcdClient)}`,
      `--advertise-client-urls=${etcdUrl(ports.etcdClient)}`,
      `--listen-peer-urls=${etcdUrl(ports.etcdPeer)}`,
      `--initial-advertise-peer-urls=${etcdUrl(ports.etcdPeer)}`,
      `--initial-cluster=steady-local=${etcdUrl(ports.etcdPeer)}`,
      `--cert-file=${pki.etcd.serverCertFile}`,
      `--key-file=${pki.etcd.serverKeyFile}`,
      `--trusted-ca-file=${pki.etcd.caFile}`,
      "--client-cert-auth=true",
      `--peer-cert-file=${pki.etcd.peerCertFile}`,
      `--peer-key-file=${pki.etcd.peerKeyFile}`,
      `--peer-trusted-ca-file=${pki.etcd.caFile}`,
      "--peer-client-cert-auth=true",
      // A throwaway local cluster: skipping fsync makes every write much cheaper.
      "--unsafe-no-fsync",
    ],
  };
}

/** kube-apiserver: TLS, RBAC and Node authorization, Pod Security and NodeRestriction admission. */
function apiServerSpec(i: SpecInputs): ComponentSpec {
  const { binaries: bin, ports, pki } = i;
  return {
    name: "kube-apiserver",
    port: ports.apiServer,
    argv: [
      bin["kube-apiserver"],
      `--etcd-servers=${etcdUrl(ports.etcdClient)}`,
      `--etcd-cafile=${pki.etcd.caFile}`,
      `--etcd-certfile=${pki.etcd.clientCertFile}`,
      `--etcd-keyfile=${pki.etcd.clientKeyFile}`,
      `--bind-address=${HOST}`,
      `--advertise-address=${NETWORK.apiServerAdvertiseIp}`,
      `--secure-port=${ports.apiServer}`,
      ...pki.apiServerFlags,
      `--authorization-mode=${AUTHORIZATION_MODES.join(",")}`,
      `--enable-admission-plugins=${ADMISSION_PLUGINS.join(",")}`,
      `--service-cluster-ip-range=${NETWORK.serviceCidr}`,
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${pki.serviceAccountPubFile}`,
      `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
      "--allow-privileged=true",
      // A real node's Hostname address is its node name, which no DNS knows; its InternalIP
      // (the bridge address) is local to this machine.
      "--kubelet-preferred-address-types=InternalIP,ExternalIP,Hostname",
      "--profiling=false",
    ],
  };
}

/** kube-controller-manager, with its own identity per controller. */
function controllerManagerSpec(i: SpecInputs): ComponentSpec {
  const { binaries: bin, layout, ports, pki } = i;
  return {
    name: "kube-controller-manager",
    port: ports.controllerManager,
    argv: [
      bin["kube-controller-manager"],
      ...delegated(layout, "kube-controller-manager"),
      `--bind-address=${HOST}`,
      `--secure-port=${ports.controllerManager}`,
      "--leader-elect=false",
      "--use-service-account-credentials=true",
      // The default client rate limit (20/s) spaces the controllers' start-up (each fetches
      // its own service-account token) by ~150 ms; a local cluster can afford more.
      "--kube-api-qps=200",
      "--kube-api-burst=400",
      `--service-account-private-key-file=${pki.serviceAccountKeyFile}`,
      `--root-ca-file=${pki.serverCaFile}`,
      ...pki.controllerManagerFlags,
      "--profiling=false",
    ],
  };
}

/** kube-scheduler. */
function schedulerSpec(i: SpecInputs): ComponentSpec {
  const { binaries: bin, layout, ports } = i;
  return {
    name: "kube-scheduler",
    port: ports.scheduler,
    argv: [
      bin["kube-scheduler"],
      ...delegated(layout, "kube-scheduler"),
      `--bind-address=${HOST}`,
      `--secure-port=${ports.scheduler}`,
      "--leader-elect=false",
      "--profiling=false",
    ],
  };
}

/** kwok: runs the simulated nodes (those with its annotation) and their pods. */
function kwokSpec(i: SpecInputs): ComponentSpec {
  const { binaries: bin, layout, ports } = i;
  return {
    name: "kwok",
    port: ports.kwok,
    argv: [
      bin.kwok,
      `--kubeconfig=${componentKubeconfig(layout, "kwok")}`,
      `--config=${i.kwokStages}`,
      `--manage-nodes-with-annotation-selector=${KWOK_NODE_SELECTOR}`,
      `--cidr=${NETWORK.podCidr}`,
      `--node-ip=${NETWORK.nodeIp}`,
      `--server-address=${HOST}:${ports.kwok}`,
      "--node-lease-duration-seconds=40",
    ],
    // kwok also loads ~/.kwok/kwok.yaml when it exists; its own HOME keeps the stages ours.
    env: { HOME: layout.kwokDir },
  };
}
