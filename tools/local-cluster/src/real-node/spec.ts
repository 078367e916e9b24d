import { dirname, join } from "node:path";
import { dump } from "js-yaml";
import { SYSTEM_BIN_DIRS } from "../host/host";
import { realNodeNetwork, type RealNodeNetwork } from "../network";
import type { NodeRuntime } from "./node-runtime";
import type { Layout, NodeComponentName } from "../paths";
import { HOST } from "../host/ports";

/**
 * What the real node is (names, label, taint) and the configuration and command line of its three
 * processes: containerd, kubelet and kube-proxy. Pure: the same inputs give the same files and
 * argv (argv is compared with /proc/<pid>/cmdline).
 */

/** Fixed identity of the real node: one per machine (its bridge, chains and cgroups are global). */
export const REAL_NODE = {
  /** Node name; the kubelet's client certificate is for system:node:<name>. */
  name: "steady-real-node",
  /** Set at registration: workloads that want the real node select it. */
  label: { key: "steady.dev/node-kind", value: "real" },
  /** Set at registration: nothing lands on the real node unless it tolerates this. */
  taint: { key: "steady.dev/real-node", value: "true", effect: "NoSchedule" },
  /** Name of the CNI network (also in the comments of the CNI plugins' iptables rules). */
  cniNetwork: "steady-real-node",
  /** The kubelet's cgroup root (pods go below <root>/kubepods). */
  cgroupRoot: "/steady-real-node",
  /** Sandbox ("pause") image, built from busybox and imported by `up`: nothing is pulled. */
  sandboxImage: "localhost/steady/pause:1",
  /** containerd namespace the kubelet's containers and images live in. */
  containerdNamespace: "k8s.io",
} as const;

/**
 * What differs between real nodes of one machine (`up --real-nodes 2`): node 1 is REAL_NODE with
 * REAL_NODE_NETWORK, unchanged; node N has its own name, pod range and bridge, cgroup root, CNI
 * network name and directory (so its own containerd, kubelet root and IPAM state), and shares
 * the label, the taint and the sandbox image.
 */
export interface NodeIdentity {
  /** 1-based. */
  readonly index: number;
  readonly name: string;
  readonly network: RealNodeNetwork;
  readonly cgroupRoot: string;
  readonly cniNetwork: string;
  /** Directory name under the data directory. */
  readonly dirName: string;
  /** Suffix of its log files and kubeconfigs ("" for node 1, "-2" for node 2). */
  readonly suffix: string;
}

/** The identity of real node `index` (throws naming the index when there is no such node). */
export function nodeIdentity(index = 1): NodeIdentity {
  const network = realNodeNetwork(index);
  const suffix = index === 1 ? "" : `-${index}`;
  return {
    index,
    name: `${REAL_NODE.name}${suffix}`,
    network,
    cgroupRoot: `${REAL_NODE.cgroupRoot}${suffix}`,
    cniNetwork: `${REAL_NODE.cniNetwork}${suffix}`,
    dirName: `node${suffix}`,
    suffix,
  };
}

/** The identity a recorded node had (state.json before `index` existed means node 1). */
export const identityOf = (node: { readonly index?: number } | undefined) =>
  nodeIdentity(node?.index ?? 1);

// The real node's process names live in ../paths (next to the control plane's), because the
// layout names their log files and must not import the real node's spec.
export { NODE_COMPONENTS, type NodeComponentName } from "../paths";

/** How the real node runs: next to kwok's simulated nodes, or as the cluster's only node. */
export type RealNodeMode = "beside-kwok" | "only";
export const REAL_NODE_MODES: readonly RealNodeMode[] = ["beside-kwok", "only"];

/** Ports of the real node's processes (containerd needs none: a unix socket). */
export interface NodePorts {
  /** kubelet API (logs, exec) on the node IP. */
  readonly kubelet: number;
  /** kubelet /healthz on 127.0.0.1. */
  readonly kubeletHealthz: number;
  /** kube-proxy /healthz on 127.0.0.1. */
  readonly kubeProxyHealthz: number;
  /** kube-proxy /metrics on 127.0.0.1. */
  readonly kubeProxyMetrics: number;
}
export const NODE_PORT_NAMES: readonly (keyof NodePorts)[] = [
  "kubelet",
  "kubeletHealthz",
  "kubeProxyHealthz",
  "kubeProxyMetrics",
];

/** Where the real node keeps everything: <dataDir>/node. */
export interface NodeLayout {
  readonly dir: string;
  readonly containerdConfig: string;
  readonly containerdRoot: string;
  /** Runtime state (tasks, sockets of the sandboxes, network namespaces): cleared by `down`. */
  readonly containerdState: string;
  readonly containerdSocket: string;
  /** runc's state (cleared by `down`, like containerdState). */
  readonly runcRoot: string;
  readonly cniConfDir: string;
  readonly cniConfFile: string;
  /** host-local IPAM's allocations (cleared by `down`: no pod survives it). */
  readonly cniIpamDir: string;
  readonly kubeletRoot: string;
  readonly kubeletConfig: string;
  readonly kubeletCertDir: string;
  readonly volumePluginDir: string;
  readonly podLogsDir: string;
  readonly kubeProxyConfig: string;
  readonly kubeletKubeconfig: string;
  readonly kubeProxyKubeconfig: string;
  /** Scratch space for building the sandbox image. */
  readonly imagesDir: string;
}

export function nodeLayout(l: Layout, id: NodeIdentity = nodeIdentity(1)): NodeLayout {
  const dir = join(dirname(l.nodeDir), id.dirName);
  return {
    dir,
    containerdConfig: join(dir, "containerd", "config.toml"),
    containerdRoot: join(dir, "containerd", "root"),
    containerdState: join(dir, "containerd", "state"),
    containerdSocket: join(dir, "containerd", "containerd.sock"),
    runcRoot: join(dir, "runc"),
    cniConfDir: join(dir, "cni", "net.d"),
    cniConfFile: join(dir, "cni", "net.d", `10-${REAL_NODE.cniNetwork}.conflist`),
    cniIpamDir: join(dir, "cni", "ipam"),
    kubeletRoot: join(dir, "kubelet"),
    kubeletConfig: join(dir, "kubelet.yaml"),
    kubeletCertDir: join(dir, "kubelet", "pki"),
    volumePluginDir: join(dir, "kubelet", "volume-plugins"),
    podLogsDir: join(dir, "pod-logs"),
    kubeProxyConfig: join(dir, "kube-proxy.yaml"),
    kubeletKubeconfig: join(l.kubeconfigsDir, `kubelet${id.suffix}.kubeconfig`),
    kubeProxyKubeconfig: join(l.kubeconfigsDir, "kube-proxy.kubeconfig"),
    imagesDir: join(dir, "images"),
  };
}

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the terminating NUL). */
export const MAX_SOCKET_PATH = 107;

/** First line of every file `up --real-node` generates. */
export const GENERATED_HEADER =
  "# Written by steady-local up --real-node; rewritten on every start.\n";

const toml = (s: string) => JSON.stringify(s);

/**
 * containerd's config.toml: root, state and socket under the data directory, runc v2 shim with
 * cgroupfs, CNI plugins from the host, CNI config from the data directory, and the sandbox image
 * we import (so nothing is ever pulled).
 */
export function renderContainerdConfig(
  n: NodeLayout,
  rt: Pick<NodeRuntime, "runc" | "cniBinDir">,
  snapshotter: "overlayfs" | "native",
): string {
  const cri = `plugins."io.containerd.grpc.v1.cri"`;
  return `${GENERATED_HEADER}version = 2
root = ${toml(n.containerdRoot)}
state = ${toml(n.containerdState)}
disabled_plugins = [
  "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs",
]

[grpc]
  address = ${toml(n.containerdSocket)}

[plugins."io.containerd.internal.v1.opt"]
  path = ${toml(join(n.containerdRoot, "opt"))}

[${cri}]
  sandbox_image = ${toml(REAL_NODE.sandboxImage)}
  # Network namespaces as files under the state directory (not /var/run/netns).
  netns_mounts_under_state_dir = true
  # Machines (VMs, CI containers) without CAP_SYS_RESOURCE cannot lower oom_score_adj below
  # containerd's own; without this, every sandbox (-998) fails to start there.
  restrict_oom_score_adj = true
  stream_server_address = ${toml(HOST)}
  stream_server_port = "0"

  [${cri}.containerd]
    snapshotter = ${toml(snapshotter)}
    default_runtime_name = "runc"

    [${cri}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"

      [${cri}.containerd.runtimes.runc.options]
        BinaryName = ${toml(rt.runc)}
        Root = ${toml(n.runcRoot)}
        SystemdCgroup = false

  [${cri}.cni]
    bin_dir = ${toml(rt.cniBinDir)}
    conf_dir = ${toml(n.cniConfDir)}
    max_conf_num = 1
`;
}

/**
 * The CNI network: the bridge (pods' default gateway, masquerade to the outside), host-local IPAM
 * over the real node's pod CIDR, and portmap for hostPort. containerd adds loopback itself.
 */
export function renderCniConflist(n: NodeLayout, id: NodeIdentity = nodeIdentity(1)): string {
  const net = id.network;
  const conf = {
    cniVersion: "1.0.0",
    name: id.cniNetwork,
    plugins: [
      {
        type: "bridge",
        bridge: net.bridge,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: "host-local",
          ranges: [[{ subnet: net.podCidr, gateway: net.gatewayIp }]],
          routes: [{ dst: "0.0.0.0/0" }],
          dataDir: n.cniIpamDir,
        },
      },
      { type: "portmap", capabilities: { portMappings: true } },
    ],
  };
  return JSON.stringify(conf, null, 2) + "\n";
}

/**
 * The kubelet's KubeletConfiguration.
 * @see https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/
 */
export function renderKubeletConfig(
  n: NodeLayout,
  ports: NodePorts,
  clientCaFile: string,
  id: NodeIdentity = nodeIdentity(1),
): string {
  const config = {
    apiVersion: "kubelet.config.k8s.io/v1beta1",
    kind: "KubeletConfiguration",
    cgroupDriver: "cgroupfs",
    cgroupRoot: id.cgroupRoot,
    failSwapOn: false,
    // cgroup v1 is in maintenance in Kubernetes 1.34; it still works, and this machine may have it.
    failCgroupV1: false,
    // Refuse to run rather than change kernel tunables: `up` sets (and records) them itself.
    protectKernelDefaults: true,
    address: id.network.gatewayIp,
    port: ports.kubelet,
    readOnlyPort: 0,
    healthzBindAddress: HOST,
    healthzPort: ports.kubeletHealthz,
    containerRuntimeEndpoint: `unix://${n.containerdSocket}`,
    podLogsDir: n.podLogsDir,
    volumePluginDir: n.volumePluginDir,
    authentication: {
      anonymous: { enabled: false },
      webhook: { enabled: true },
      x509: { clientCAFile: clientCaFile },
    },
    authorization: { mode: "Webhook" },
    registerNode: true,
    registerWithTaints: [REAL_NODE.taint],
    // Images are imported, never pulled: garbage-collecting one would lose it for good.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    // A developer's disk is often fuller than a server's; the default 10-15 % free would taint
    // the node with DiskPressure and evict its pods.
    evictionHard: {
      "memory.available": "100Mi",
      "nodefs.available": "1%",
      "nodefs.inodesFree": "1%",
      "imagefs.available": "1%",
      "imagefs.inodesFree": "1%",
    },
  };
  return GENERATED_HEADER + dump(config, { lineWidth: -1, noRefs: true });
}

/**
 * kube-proxy's KubeProxyConfiguration: iptables mode, its own kubeconfig, health and metrics on
 * 127.0.0.1. Conntrack limits and timeouts are left as the kernel has them (0) and localhost
 * NodePorts are off, so kube-proxy changes no sysctl.
 * @see https://kubernetes.io/docs/reference/config-api/kube-proxy-config.v1alpha1/
 */
export function renderKubeProxyConfig(n: NodeLayout, ports: NodePorts): string {
  const config = {
    apiVersion: "kubeproxy.config.k8s.io/v1alpha1",
    kind: "KubeProxyConfiguration",
    mode: "iptables",
    hostnameOverride: REAL_NODE.name,
    clusterCIDR: realNodeNetwork(1).podCidr,
    detectLocalMode: "ClusterCIDR",
    nodePortAddresses: ["primary"],
    healthzBindAddress: `${HOST}:${ports.kubeProxyHealthz}`,
    metricsBindAddress: `${HOST}:${ports.kubeProxyMetrics}`,
    clientConnection: { kubeconfig: n.kubeProxyKubeconfig },
    conntrack: {
      maxPerCore: 0,
      min: 0,
      tcpEstablishedTimeout: "0s",
      tcpCloseWaitTimeout: "0s",
      udpTimeout: "0s",
      udpStreamTimeout: "0s",
    },
    iptables: { localhostNodePorts: false, minSyncPeriod: "1s", syncPeriod: "30s" },
  };
  return GENERATED_HEADER + dump(config, { lineWidth: -1, noRefs: true });
}

/** How to start one process of the real node. */
export interface NodeComponentSpec {
  readonly name: NodeComponentName;
  readonly argv: readonly string[];
  /** The port that identifies it (0 for containerd: a unix socket). */
  readonly port: number;
  readonly env: Readonly<Record<string, string>>;
}

/** PATH for the node's processes: they call iptables, mount, the runc shim, and so on. */
export function nodePath(path: string | undefined): string {
  const dirs = (path ?? "").split(":").filter((d) => d !== "");
  for (const d of SYSTEM_BIN_DIRS) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(":");
}

/** The command lines of containerd, kubelet and kube-proxy. */
export function nodeSpecs(i: {
  readonly runtime: Pick<NodeRuntime, "containerd" | "kubelet" | "kubeProxy">;
  readonly node: NodeLayout;
  readonly ports: NodePorts;
  readonly path: string | undefined;
  readonly identity?: NodeIdentity;
}): Record<NodeComponentName, NodeComponentSpec> {
  const { runtime: rt, node: n, ports } = i;
  const id = i.identity ?? nodeIdentity(1);
  const env = { PATH: nodePath(i.path) };
  return {
    containerd: {
      name: "containerd",
      port: 0,
      argv: [rt.containerd, `--config=${n.containerdConfig}`],
      env,
    },
    kubelet: {
      name: "kubelet",
      port: ports.kubelet,
      argv: [
        rt.kubelet,
        `--config=${n.kubeletConfig}`,
        `--kubeconfig=${n.kubeletKubeconfig}`,
        `--root-dir=${n.kubeletRoot}`,
        `--cert-dir=${n.kubeletCertDir}`,
        `--hostname-override=${id.name}`,
        `--node-ip=${id.network.gatewayIp}`,
        `--node-labels=${REAL_NODE.label.key}=${REAL_NODE.label.value}`,
      ],
      env,
    },
    "kube-proxy": {
      name: "kube-proxy",
      port: ports.kubeProxyHealthz,
      argv: [rt.kubeProxy, `--config=${n.kubeProxyConfig}`],
      env,
    },
  };
}
