import { load } from "js-yaml";
import { layout } from "../src/paths";
import { REAL_NODE_NETWORK } from "../src/network";
import {
  nodeIdentity,
  nodeLayout,
  nodePath,
  nodeSpecs,
  REAL_NODE,
  renderCniConflist,
  renderContainerdConfig,
  renderKubeletConfig,
  renderKubeProxyConfig,
} from "../src/real-node/spec";

const l = layout("/d");
const n = nodeLayout(l);
const ports = {
  kubelet: 3001,
  kubeletHealthz: 3002,
  kubeProxyHealthz: 3003,
  kubeProxyMetrics: 3004,
};
const rt = {
  containerd: "/usr/bin/containerd",
  kubelet: "/tc/bin/kubelet",
  kubeProxy: "/tc/bin/kube-proxy",
  runc: "/usr/sbin/runc",
  cniBinDir: "/usr/lib/cni",
};

describe("real node configuration", () => {
  it("containerd keeps root, state, socket and runc's state under the data directory", () => {
    const toml = renderContainerdConfig(n, rt, "overlayfs");
    expect(toml).toContain('root = "/d/node/containerd/root"');
    expect(toml).toContain('state = "/d/node/containerd/state"');
    expect(toml).toContain('address = "/d/node/containerd/containerd.sock"');
    expect(toml).toContain('Root = "/d/node/runc"');
    expect(toml).toContain('conf_dir = "/d/node/cni/net.d"');
    expect(toml).toContain('path = "/d/node/containerd/root/opt"');
    expect(toml).toContain("netns_mounts_under_state_dir = true");
    expect(toml).toContain("SystemdCgroup = false");
    expect(toml).toContain('runtime_type = "io.containerd.runc.v2"');
    expect(toml).toContain(`sandbox_image = "${REAL_NODE.sandboxImage}"`);
    // Every path it names is under the data directory, but the host's runc and CNI plugins.
    const paths = [...toml.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1]!);
    expect(paths.filter((p) => !p.startsWith("/d/"))).toEqual(["/usr/sbin/runc", "/usr/lib/cni"]);
    expect(renderContainerdConfig(n, rt, "native")).toContain('snapshotter = "native"');
  });

  it("the CNI network is a bridge with host-local IPAM over the real node's pod CIDR, plus portmap", () => {
    const conf = JSON.parse(renderCniConflist(n));
    expect(conf.name).toBe(REAL_NODE.cniNetwork);
    expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge", "portmap"]);
    expect(conf.plugins[0]).toMatchObject({
      bridge: REAL_NODE_NETWORK.bridge,
      isGateway: true,
      ipMasq: true,
      ipam: {
        type: "host-local",
        ranges: [[{ subnet: "10.251.0.0/24", gateway: "10.251.0.1" }]],
        dataDir: "/d/node/cni/ipam",
      },
    });
  });

  it("the kubelet: cgroupfs, no swap check, own cgroup root, registered with the taint", () => {
    const c = load(renderKubeletConfig(n, ports, "/d/pki/ca.crt")) as Record<string, unknown>;
    expect(c).toMatchObject({
      kind: "KubeletConfiguration",
      cgroupDriver: "cgroupfs",
      cgroupRoot: REAL_NODE.cgroupRoot,
      failSwapOn: false,
      protectKernelDefaults: true,
      address: REAL_NODE_NETWORK.gatewayIp,
      port: 3001,
      healthzBindAddress: "127.0.0.1",
      healthzPort: 3002,
      readOnlyPort: 0,
      containerRuntimeEndpoint: "unix:///d/node/containerd/containerd.sock",
      podLogsDir: "/d/node/pod-logs",
      volumePluginDir: "/d/node/kubelet/volume-plugins",
      authentication: { anonymous: { enabled: false }, x509: { clientCAFile: "/d/pki/ca.crt" } },
      authorization: { mode: "Webhook" },
      registerWithTaints: [{ key: "steady.dev/real-node", value: "true", effect: "NoSchedule" }],
    });
  });

  it("kube-proxy: iptables mode, the pod CIDR, and no sysctl of its own", () => {
    const c = load(renderKubeProxyConfig(n, ports)) as Record<string, unknown>;
    expect(c).toMatchObject({
      kind: "KubeProxyConfiguration",
      mode: "iptables",
      clusterCIDR: REAL_NODE_NETWORK.podCidr,
      hostnameOverride: REAL_NODE.name,
      healthzBindAddress: "127.0.0.1:3003",
      metricsBindAddress: "127.0.0.1:3004",
      clientConnection: { kubeconfig: "/d/kubeconfigs/kube-proxy.kubeconfig" },
      conntrack: { maxPerCore: 0, tcpEstablishedTimeout: "0s", tcpCloseWaitTimeout: "0s" },
      iptables: { localhostNodePorts: false },
    });
  });

  it("command lines are deterministic and name the node, its IP and its label", () => {
    const specs = () => nodeSpecs({ runtime: rt, node: n, ports, path: "/usr/bin:/bin" });
    expect(specs()).toEqual(specs());
    expect(specs().containerd.argv).toEqual([
      "/usr/bin/containerd",
      "--config=/d/node/containerd/config.toml",
    ]);
    expect(specs().kubelet.argv).toEqual([
      "/tc/bin/kubelet",
      "--config=/d/node/kubelet.yaml",
      "--kubeconfig=/d/kubeconfigs/kubelet.kubeconfig",
      "--root-dir=/d/node/kubelet",
      "--cert-dir=/d/node/kubelet/pki",
      "--hostname-override=steady-real-node",
      "--node-ip=10.251.0.1",
      "--node-labels=steady.dev/node-kind=real",
    ]);
    expect(specs()["kube-proxy"]).toMatchObject({
      port: 3003,
      argv: ["/tc/bin/kube-proxy", "--config=/d/node/kube-proxy.yaml"],
    });
  });

  it("node 2 has its own name, directory, kubeconfig, pod range, cgroup root and node IP", () => {
    const id = nodeIdentity(2);
    const n2 = nodeLayout(l, id);
    expect(nodeLayout(l, nodeIdentity(1))).toEqual(n);
    expect(n2.containerdSocket).toBe("/d/node-2/containerd/containerd.sock");
    expect(n2.kubeletKubeconfig).toBe("/d/kubeconfigs/kubelet-2.kubeconfig");
    const conf = JSON.parse(renderCniConflist(n2, id));
    expect(conf.name).toBe("steady-real-node-2");
    expect(conf.plugins[0]).toMatchObject({
      bridge: "steady1",
      isGateway: true,
      ipam: { ranges: [[{ subnet: "10.251.1.0/24", gateway: "10.251.1.1" }]] },
    });
    const kubelet = load(renderKubeletConfig(n2, ports, "/d/pki/ca.crt", id)) as Record<
      string,
      unknown
    >;
    expect(kubelet).toMatchObject({ cgroupRoot: "/steady-real-node-2", address: "10.251.1.1" });
    const argv = nodeSpecs({ runtime: rt, node: n2, ports, path: "", identity: id }).kubelet.argv;
    expect(argv).toContain("--hostname-override=steady-real-node-2");
    expect(argv).toContain("--node-ip=10.251.1.1");
    expect(argv).toContain("--root-dir=/d/node-2/kubelet");
    expect(() => nodeIdentity(3)).toThrow("real node index 3 is invalid: it must be 1 to 2");
  });

  it("the processes' PATH keeps the caller's order and adds the system directories", () => {
    expect(nodePath("/opt/x:/usr/bin")).toBe(
      "/opt/x:/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/bin",
    );
  });
});
