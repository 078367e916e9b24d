import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  criContainerIds,
  findShims,
  isShimOf,
  parsePluginList,
  shimSocketPath,
} from "../src/real-node/containerd";
import { cleanupHostPaths, DEVICE_PLUGIN_DIR } from "../src/real-node/host-paths";
import { useTempDir } from "./helpers";

const SOCKET = "/work/main/.steady/node-dev/node/containerd/containerd.sock";
const ID = "fbc58e8d0160a13215d6fd8c055167eaa96886c22acb16436a41b14007feb39f";

describe("containerd helpers", () => {
  const t = useTempDir();

  it("reads `ctr plugins ls`", () => {
    const text = [
      "TYPE                            ID                       PLATFORMS      STATUS",
      "io.containerd.snapshotter.v1    overlayfs                linux/amd64    ok",
      "io.containerd.snapshotter.v1    zfs                      linux/amd64    skip",
      "io.containerd.grpc.v1           cri                      linux/amd64    ok",
      "io.containerd.internal.v1       tracing                  -              error",
      "",
    ].join("\n");
    const plugins = parsePluginList(text);
    expect(plugins.get("io.containerd.snapshotter.v1/overlayfs")).toBe("ok");
    expect(plugins.get("io.containerd.snapshotter.v1/zfs")).toBe("skip");
    expect(plugins.get("io.containerd.grpc.v1/cri")).toBe("ok");
    expect(plugins.get("io.containerd.internal.v1/tracing")).toBe("error");
    expect(plugins.size).toBe(4);
  });

  it("recognises the shims of one containerd by their -address", () => {
    const shim = [
      "/usr/bin/containerd-shim-runc-v2",
      "-namespace",
      "k8s.io",
      "-id",
      ID,
      "-address",
      SOCKET,
    ];
    expect(isShimOf(shim, SOCKET)).toBe(true);
    expect(isShimOf(shim, "/run/containerd/containerd.sock")).toBe(false);
    expect(isShimOf(["/usr/bin/containerd", "-address", SOCKET], SOCKET)).toBe(false);
  });

  it("finds shims in a process table", () => {
    const proc = join(t.dir, "proc");
    const add = (pid: number, argv: string[]) => {
      mkdirSync(join(proc, String(pid)), { recursive: true });
      writeFileSync(join(proc, String(pid), "cmdline"), argv.join("\0") + "\0");
    };
    add(10, [
      "/usr/bin/containerd-shim-runc-v2",
      "-namespace",
      "k8s.io",
      "-id",
      ID,
      "-address",
      SOCKET,
    ]);
    add(11, [
      "/usr/bin/containerd-shim-runc-v2",
      "-id",
      "x",
      "-address",
      "/run/containerd/containerd.sock",
    ]);
    add(12, ["/bin/busybox", "sleep", "9"]);
    mkdirSync(join(proc, "self"));
    expect(findShims(SOCKET, proc)).toEqual([10]);
  });

  it("computes a shim's socket as containerd 1.6 does (checked against a live one)", () => {
    expect(shimSocketPath(SOCKET, "k8s.io", ID)).toBe(
      "/run/containerd/s/2b2dc7e616433897f16e6829b0301cd009bd44e4b6b73c82c037d303e2093e54",
    );
  });

  it("lists the CRI sandboxes and containers recorded under containerd's root", () => {
    const root = join(t.dir, "root");
    mkdirSync(join(root, "io.containerd.grpc.v1.cri", "sandboxes", "s1"), { recursive: true });
    mkdirSync(join(root, "io.containerd.grpc.v1.cri", "containers", "c1"), { recursive: true });
    expect(criContainerIds(root)).toEqual(["s1", "c1"]);
    expect(criContainerIds(join(t.dir, "nothing"))).toEqual([]);
  });
});

describe("cleanupHostPaths", () => {
  const t = useTempDir();

  it("removes the node's entries, then the directories up created if they are empty", () => {
    const at = (p: string) => join(t.dir, p);
    const file = (p: string) => {
      mkdirSync(join(at(p), ".."), { recursive: true });
      writeFileSync(at(p), "");
    };
    const podLogs = join(t.dir, "data", "node", "pod-logs");
    mkdirSync(podLogs, { recursive: true });
    const ourSocket = shimSocketPath(SOCKET, "k8s.io", ID);
    file(ourSocket);
    file("/run/containerd/s/someone-elses");
    file(`/var/lib/cni/results/steady-real-node-${ID}-eth0`);
    file(`/var/lib/cni/results/cni-loopback-${ID}-lo`);
    file("/var/lib/cni/results/cni-loopback-other-lo");
    file("/var/lib/cni/results/other-net-abc-eth0");
    mkdirSync(at("/var/log/containers"), { recursive: true });
    symlinkSync(join(podLogs, "default_web_1", "web", "0.log"), at("/var/log/containers/web.log"));
    symlinkSync("/var/log/pods/x/0.log", at("/var/log/containers/other.log"));
    file(`${DEVICE_PLUGIN_DIR}/kubelet.sock`);
    file(`${DEVICE_PLUGIN_DIR}/kubelet_internal_checkpoint`);

    const r = cleanupHostPaths({
      containerdSocket: SOCKET,
      namespace: "k8s.io",
      containerIds: [ID],
      cniNetwork: "steady-real-node",
      podLogsDir: podLogs,
      createdDirs: [
        "/var/lib/kubelet",
        DEVICE_PLUGIN_DIR,
        "/run/containerd/s",
        "/var/lib/cni/results",
      ],
      root: t.dir,
    });
    expect(r.removedFiles.map((f) => f.slice(t.dir.length)).sort()).toEqual(
      [
        ourSocket,
        `/var/lib/cni/results/steady-real-node-${ID}-eth0`,
        `/var/lib/cni/results/cni-loopback-${ID}-lo`,
        "/var/log/containers/web.log",
        `${DEVICE_PLUGIN_DIR}/kubelet.sock`,
        `${DEVICE_PLUGIN_DIR}/kubelet_internal_checkpoint`,
      ].sort(),
    );
    // Empty directories up created go; those with someone else's files stay.
    expect(r.removedDirs.map((d) => d.slice(t.dir.length))).toEqual([
      DEVICE_PLUGIN_DIR,
      "/var/lib/kubelet",
    ]);
    expect(r.keptDirs.map((d) => d.slice(t.dir.length)).sort()).toEqual([
      "/run/containerd/s",
      "/var/lib/cni/results",
    ]);
  });

  it("leaves the kubelet's device-plugin files alone when the directory was there before", () => {
    mkdirSync(join(t.dir, DEVICE_PLUGIN_DIR), { recursive: true });
    writeFileSync(join(t.dir, DEVICE_PLUGIN_DIR, "kubelet.sock"), "");
    const r = cleanupHostPaths({
      containerdSocket: SOCKET,
      namespace: "k8s.io",
      containerIds: [],
      cniNetwork: "steady-real-node",
      podLogsDir: "/nowhere",
      createdDirs: [],
      root: t.dir,
    });
    expect(r).toEqual({ removedFiles: [], removedDirs: [], keptDirs: [] });
  });
});
