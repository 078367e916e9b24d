import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { cgroupHierarchies, createCgroupRoot } from "./cgroups";
import { hasImage, importImage, pluginStatus, socketAnswers, type Ctr } from "./containerd";
import { isRoot, run } from "../host/host";
import { missingHostDirs } from "./host-paths";
import { listNftTables, listNodeChains, type IptablesFamily } from "./iptables";
import { KubeApiError, type KubeClient, type KubeObject } from "@steady/deploy";
import { loadCredentials, writeKubeconfig } from "../pki/kubeconfig";
import { mountsUnder, readMountinfo } from "./mounts";
import {
  localIpv4Networks,
  REAL_NODE_NETWORK,
  realNodeCollisions,
  type RealNodeNetwork,
} from "../network";
import { findNodeRuntime, type NodeRuntime } from "./node-runtime";
import { buildImageArchive } from "./oci-image";
import { layout as layoutOf, type Layout } from "../paths";
import { ensureClientCertificate, existingAuthMode, type Pki } from "../pki/pki";
import { freePort, HOST } from "../host/ports";
import {
  isOurs,
  launchProcess,
  stopProcess,
  type LaunchedProcess,
  type ProcessTable,
} from "../host/processes";
import { failure, httpOk, waitUntil } from "../host/readiness";
import { readClaim, writeClaim } from "./claim";
import {
  MAX_SOCKET_PATH,
  nodeIdentity,
  nodeLayout,
  nodeSpecs,
  REAL_NODE,
  renderCniConflist,
  renderContainerdConfig,
  renderKubeletConfig,
  renderKubeProxyConfig,
  type NodeComponentName,
  type NodeComponentSpec,
  type NodeIdentity,
  type NodeLayout,
  type NodePorts,
  type RealNodeMode,
} from "./spec";
import type { RealNodeState } from "./state";
import { cleanupRealNode, describeCleanup, interfaceExists } from "./stop";
import { applyKernelSettings, REAL_NODE_KERNEL_SETTINGS } from "./sysctl";
import { readState } from "../control-plane/state";

/**
 * Starting the real node next to the control plane: containerd, the kubelet (registered as
 * REAL_NODE.name, labelled and tainted) and kube-proxy, on a bridge CNI network of this machine.
 */

/** Why `up --real-node` cannot run as this user. */
export const NOT_ROOT_MESSAGE =
  "--real-node needs root: it starts containerd and the kubelet and changes iptables, network " +
  "interfaces, mounts, cgroups and kernel settings. Run it with sudo (sudo -E keeps " +
  "STEADY_CLUSTER_DIR and STEADY_TOOLCHAIN_DIR).";

/**
 * Everything that can be checked before anything starts: root, the packages and toolchain
 * binaries, certificate authentication, the socket path length and the pod CIDR. Returns the
 * tools; throws one error naming every problem of a kind and how to fix it.
 */
export function preflightRealNode(l: Layout, env: NodeJS.ProcessEnv): NodeRuntime {
  if (process.platform !== "linux") throw new Error("--real-node runs on Linux only");
  if (!isRoot()) throw new Error(NOT_ROOT_MESSAGE);
  const runtime = findNodeRuntime(env);
  if (existingAuthMode(l.pkiDir) === "token") {
    throw new Error(
      `--real-node needs client certificates, but ${l.dataDir} was made with bearer tokens ` +
        "(openssl was missing then). Start over with `steady-local down --purge`, with openssl on PATH.",
    );
  }
  const socket = nodeLayout(l).containerdSocket;
  if (Buffer.byteLength(`${socket}.ttrpc`) > MAX_SOCKET_PATH) {
    throw new Error(
      `containerd's socket ${socket}.ttrpc would be longer than the ${MAX_SOCKET_PATH} bytes a unix ` +
        "socket path may have: use a shorter --dir.",
    );
  }
  const collisions = realNodeCollisions(localIpv4Networks([REAL_NODE_NETWORK.bridge]));
  if (collisions.length) throw new Error(`Cannot start the real node: ${collisions.join("; ")}.`);
  return runtime;
}

/**
 * Makes sure no other data directory runs a real node on this machine, then claims it. A claim
 * whose data directory does not record a real node (any more) means leftovers: a node whose
 * state is gone, or one whose clean-up could not remove everything. They are cleaned up (again)
 * and the claim is taken over. Also refuses when another kube-proxy's rules are present.
 */
export async function claimRealNode(
  l: Layout,
  families: readonly IptablesFamily[],
  o: { table: ProcessTable; env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<void> {
  const claim = readClaim();
  if (claim) {
    let other: ReturnType<typeof readState>;
    try {
      other =
        claim.dataDir === l.dataDir ? undefined : readState(layoutOf(claim.dataDir).stateFile);
    } catch {
      other = undefined;
    }
    if (other?.realNode) {
      const running = Object.entries(other.realNode.processes).filter(
        ([, p]) => p && isOurs(o.table, p),
      );
      const how = `stop it with \`steady-local down --dir ${claim.dataDir}\``;
      throw new Error(
        running.length
          ? `The real node of ${claim.dataDir} runs on this machine (${running.map(([n, p]) => `${n} pid ${p!.pid}`).join(", ")}); there can be one real node per machine: ${how}.`
          : `The real node of ${claim.dataDir} is not running but still holds this machine's real-node resources (bridge, iptables chains, cgroups): ${how}, which cleans them up.`,
      );
    }
    o.log(`The real node of ${claim.dataDir} left leftovers but no state; cleaning them up.`);
    const r = await cleanupRealNode({
      layout: layoutOf(claim.dataDir),
      table: o.table,
      env: o.env,
      log: o.log,
      removeApiObjects: false,
    });
    describeCleanup(r).forEach((line) => o.log(line));
    if (r.leftovers.length) {
      throw new Error(`Cannot start the real node: ${r.leftovers.join("; ")}`);
    }
  }
  const foreign = listNodeChains(families).filter((c) => c === "ipv4/nat/KUBE-SERVICES");
  if (foreign.length) {
    throw new Error(
      "Another kube-proxy's rules are on this machine (iptables chain KUBE-SERVICES in table nat); " +
        "the real node's kube-proxy would fight over them. Stop that cluster first.",
    );
  }
  writeClaim(l.dataDir);
}

export interface StartRealNodeOptions {
  readonly layout: Layout;
  readonly pki: Pki;
  readonly runtime: NodeRuntime;
  readonly mode: RealNodeMode;
  /** https://127.0.0.1:<port> of the API server. */
  readonly apiServerUrl: string;
  readonly apiClient: () => KubeClient;
  readonly table: ProcessTable;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  /** Persists the node's state (into state.json) each time it changes. */
  readonly save: (node: RealNodeState) => void;
  /** Deadline for the Node to turn Ready (default 120 s) and for each process (containerd 30 s). */
  readonly timeoutMs?: number;
  /**
   * Which real node (default node 1). Only node 1 runs kube-proxy: every real node shares this
   * machine's network namespace, so one kube-proxy already programs the Services for all of
   * them, and a second one would rewrite the same iptables chains concurrently.
   */
  readonly identity?: NodeIdentity;
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** The iptables save/restore commands of each address family the runtime has. */
export function iptablesFamilies(rt: NodeRuntime): IptablesFamily[] {
  const out: IptablesFamily[] = [
    { family: "ipv4", save: rt.iptablesSave, restore: rt.iptablesRestore },
  ];
  if (rt.ip6tablesSave && rt.ip6tablesRestore) {
    out.push({ family: "ipv6", save: rt.ip6tablesSave, restore: rt.ip6tablesRestore });
  }
  return out;
}

async function allocateNodePorts(): Promise<NodePorts> {
  const used = new Set<number>();
  const next = async () => {
    let p = await freePort();
    for (let i = 0; used.has(p) && i < 20; i++) p = await freePort();
    used.add(p);
    return p;
  };
  return {
    kubelet: await next(),
    kubeletHealthz: await next(),
    kubeProxyHealthz: await next(),
    kubeProxyMetrics: await next(),
  };
}

/**
 * Creates the bridge unless it exists and gives it the node's gateway address (its node IP);
 * true if the bridge was made.
 */
function ensureBridge(ip: string, net: RealNodeNetwork): boolean {
  const { bridge, gatewayIp, podCidr } = net;
  const made = !interfaceExists(bridge);
  if (made) run(ip, ["link", "add", bridge, "type", "bridge"]);
  const prefix = podCidr.split("/")[1];
  const addrs = run(ip, ["-4", "-o", "addr", "show", "dev", bridge]);
  if (!addrs.includes(` ${gatewayIp}/${prefix} `)) {
    run(ip, ["addr", "add", `${gatewayIp}/${prefix}`, "dev", bridge]);
  }
  run(ip, ["link", "set", bridge, "up"]);
  return made;
}

/** Client certificates and kubeconfigs of the kubelet and kube-proxy. */
function writeNodeKubeconfigs(o: StartRealNodeOptions, n: NodeLayout, id: NodeIdentity): void {
  const caPem = readFileSync(o.pki.serverCaFile, "utf8");
  const identities = {
    [`kubelet${id.suffix}`]: { user: `system:node:${id.name}`, groups: ["system:nodes"] },
    ...(id.index === 1
      ? { "kube-proxy": { user: "system:kube-proxy", groups: [] as string[] } }
      : {}),
  };
  for (const [name, identity] of Object.entries(identities)) {
    const creds = ensureClientCertificate(o.layout.pkiDir, name, identity, o.env);
    writeKubeconfig(name === "kube-proxy" ? n.kubeProxyKubeconfig : n.kubeletKubeconfig, {
      server: o.apiServerUrl,
      caPem,
      userName: identity.user,
      credentials: loadCredentials(creds),
    });
  }
}

interface NodeObject extends KubeObject {
  spec?: { podCIDR?: string };
  status?: {
    conditions?: {
      type: string;
      status: string;
      reason?: string;
      message?: string;
      lastHeartbeatTime?: string;
    }[];
  };
}

/**
 * Whether the Node is Ready according to a kubelet heartbeat at or after `since` (a Ready status
 * left over from a kubelet that crashed a moment ago does not count); throws (for the wait's
 * last error) with its Ready condition if not.
 */
async function nodeReady(api: () => KubeClient, name: string, since: Date): Promise<boolean> {
  const client = api();
  try {
    const node = await client.get<NodeObject>(`/api/v1/nodes/${name}`);
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    // Heartbeats have whole seconds.
    const fresh =
      Date.parse(ready?.lastHeartbeatTime ?? "") >= Math.floor(since.getTime() / 1000) * 1000;
    if (ready?.status === "True" && fresh) return true;
    if (ready?.status === "True") throw new Error("no heartbeat from the new kubelet yet");
    throw new Error(
      ready
        ? `Ready=${ready.status}${ready.reason ? ` (${ready.reason})` : ""}: ${ready.message ?? ""}`
        : "the Node has no Ready condition yet",
    );
  } catch (e) {
    if (e instanceof KubeApiError && e.statusCode === 404) {
      throw new Error(`the kubelet has not registered Node ${name} yet`);
    }
    throw e;
  } finally {
    client.close();
  }
}

/**
 * Builds the sandbox image from the static busybox (a process that sleeps until it is killed:
 * the sandbox only holds the pod's namespaces) and imports it, unless containerd has it.
 */
function ensureSandboxImage(
  rt: NodeRuntime,
  ctr: Ctr,
  n: NodeLayout,
  snapshotter: string,
): boolean {
  const ns = REAL_NODE.containerdNamespace;
  if (hasImage(ctr, ns, REAL_NODE.sandboxImage)) return false;
  const [repository, tag] = REAL_NODE.sandboxImage.split(/:(?=[^:/]+$)/) as [string, string];
  const archive = buildImageArchive(rt, join(n.imagesDir, "pause"), {
    tag,
    files: [{ from: rt.busybox, to: "/bin/busybox" }],
    entrypoint: ["/bin/busybox", "sleep", "2147483647"],
    user: "65535:65535",
  });
  importImage(ctr, { namespace: ns, archive, repository, snapshotter });
  return true;
}

/** A start in progress: its options, and the node's state so far (saved on every change). */
class NodeStart {
  readonly n: NodeLayout;
  readonly id: NodeIdentity;
  readonly timeoutMs: number;
  readonly t0 = Date.now();

  constructor(
    readonly o: StartRealNodeOptions,
    public node: RealNodeState,
  ) {
    this.id = o.identity ?? nodeIdentity(1);
    this.n = nodeLayout(o.layout, this.id);
    this.timeoutMs = o.timeoutMs ?? 120_000;
  }

  update(patch: Partial<RealNodeState>): void {
    this.node = { ...this.node, ...patch };
    this.o.save(this.node);
  }

  /** Starts a process and records it before anything waits for it. */
  launch(spec: NodeComponentSpec): LaunchedProcess {
    const logFile = join(this.o.layout.logsDir, `${spec.name}${this.id.suffix}.log`);
    const record = launchProcess(spec, logFile, this.o.env, this.n.dir);
    this.update({ processes: { ...this.node.processes, [spec.name]: record } });
    this.o.log(
      `  started ${spec.name} (pid ${record.pid}${spec.port ? `, port ${spec.port}` : ""})`,
    );
    return record;
  }

  alive(name: NodeComponentName): boolean {
    const r = this.node.processes[name];
    return r !== undefined && isOurs(this.o.table, r);
  }
}

/** Kernel settings, the cgroup root, the bridge, and every file the processes read. */
function prepareHost(s: NodeStart): void {
  const { o, n, node } = s;
  const kernel = applyKernelSettings(REAL_NODE_KERNEL_SETTINGS);
  s.update({ sysctls: kernel.changes });
  for (const c of kernel.changes) o.log(`  kernel: ${c.key} ${c.before} -> ${c.after}`);
  for (const k of kernel.absent) o.log(`  kernel: no ${k.key} here (${k.why}); skipped`);
  createCgroupRoot(cgroupHierarchies(), s.id.cgroupRoot);
  if (ensureBridge(o.runtime.ip, s.id.network)) {
    o.log(`  bridge ${node.bridge} ${node.nodeIp}/24 created`);
  }
  const dirs = [n.dir, dirname(n.containerdConfig), n.cniConfDir, n.cniIpamDir, n.kubeletRoot];
  for (const dir of [...dirs, n.podLogsDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(n.cniConfFile, renderCniConflist(n, s.id));
  writeFileSync(n.kubeletConfig, renderKubeletConfig(n, node.ports, o.pki.serverCaFile, s.id));
  if (s.id.index === 1) writeFileSync(n.kubeProxyConfig, renderKubeProxyConfig(n, node.ports));
  writeNodeKubeconfigs(o, n, s.id);
}

/**
 * containerd with a snapshotter that works on this file system (overlayfs, else native), its
 * CRI plugin loaded, and the sandbox image in place.
 */
async function startContainerd(s: NodeStart, spec: NodeComponentSpec): Promise<LaunchedProcess> {
  const { o, n } = s;
  const ctr: Ctr = { ctr: o.runtime.ctr, socket: n.containerdSocket };
  const start = async (snapshotter: "overlayfs" | "native") => {
    writeFileSync(n.containerdConfig, renderContainerdConfig(n, o.runtime, snapshotter));
    const t = Date.now();
    const record = s.launch(spec);
    await waitUntil("its socket", () => socketAnswers(n.containerdSocket), {
      component: "containerd",
      logFile: record.log,
      timeoutMs: Math.min(s.timeoutMs, 30_000),
      alive: () => s.alive("containerd"),
    });
    o.log(`  containerd ready after ${seconds(t)}`);
    return record;
  };
  let record = await start("overlayfs");
  let plugins = pluginStatus(ctr);
  if (plugins.get("io.containerd.snapshotter.v1/overlayfs") !== "ok") {
    o.log("  overlayfs does not work on this file system; using containerd's native snapshotter");
    await stopProcess(o.table, record, 10_000);
    record = await start("native");
    plugins = pluginStatus(ctr);
    s.update({ snapshotter: "native" });
  }
  if (plugins.get("io.containerd.grpc.v1/cri") !== "ok") {
    throw failure("containerd", record.log, "containerd started without its CRI plugin.");
  }
  const t = Date.now();
  if (ensureSandboxImage(o.runtime, ctr, n, s.node.snapshotter)) {
    o.log(`  sandbox image ${REAL_NODE.sandboxImage} built and imported in ${seconds(t)}`);
  }
  return record;
}

/** The kubelet, until its Node is Ready; then the Node's pod CIDR. */
async function startKubelet(
  s: NodeStart,
  spec: NodeComponentSpec,
  containerd: LaunchedProcess,
): Promise<void> {
  const { o } = s;
  const t = Date.now();
  const kubelet = s.launch(spec);
  const since = new Date(kubelet.startedAt);
  const name = s.id.name;
  await waitUntil(`the Node ${name} Ready`, () => nodeReady(o.apiClient, name, since), {
    component: "kubelet",
    logFile: kubelet.log,
    timeoutMs: s.timeoutMs,
    intervalMs: 250,
    alive: () => {
      if (!s.alive("containerd")) {
        throw failure("containerd", containerd.log, "containerd exited while the node started.");
      }
      return s.alive("kubelet");
    },
  });
  o.log(`  node ${name} Ready after ${seconds(t)}`);
  await setPodCidr(o.apiClient, name, s.node.podCidr);
}

/** kube-proxy, until its /healthz says it has programmed the Services. */
async function startKubeProxy(s: NodeStart, spec: NodeComponentSpec): Promise<void> {
  const t = Date.now();
  const proxy = s.launch(spec);
  const url = `http://${HOST}:${s.node.ports.kubeProxyHealthz}/healthz`;
  await waitUntil("/healthz", httpOk(url), {
    component: "kube-proxy",
    logFile: proxy.log,
    timeoutMs: s.timeoutMs,
    alive: () => s.alive("kube-proxy"),
  });
  s.o.log(`  kube-proxy ready after ${seconds(t)}`);
}

/**
 * Starts the real node (see the module comment) and waits until its Node is Ready and
 * kube-proxy has synced. Everything is recorded through `save` before it is made; on failure the
 * node is cleaned up again (the error says what could not be) and the error is rethrown.
 */
export async function startRealNode(o: StartRealNodeOptions): Promise<RealNodeState> {
  const { layout: l, runtime: rt, log } = o;
  const families = iptablesFamilies(rt);
  const id = o.identity ?? nodeIdentity(1);
  const s = new NodeStart(o, {
    mode: o.mode,
    ...(id.index === 1 ? {} : { index: id.index }),
    nodeName: id.name,
    nodeIp: id.network.gatewayIp,
    podCidr: id.network.podCidr,
    bridge: id.network.bridge,
    cniNetwork: id.cniNetwork,
    cgroupRoot: id.cgroupRoot,
    snapshotter: "overlayfs",
    ports: await allocateNodePorts(),
    processes: {},
    sysctls: [],
    createdHostDirs: missingHostDirs(),
    preexistingChains: listNodeChains(families),
    nftTablesBefore: listNftTables(rt.nft),
    startedAt: new Date().toISOString(),
  });
  s.update({});
  let nodeExisted = true;
  try {
    log(`Starting the real node ${id.name} (pods ${s.node.podCidr} on ${s.node.bridge})`);
    prepareHost(s);
    const specs = nodeSpecs({
      runtime: rt,
      node: s.n,
      ports: s.node.ports,
      path: o.env.PATH,
      identity: id,
    });
    const containerd = await startContainerd(s, specs.containerd);
    nodeExisted = await nodeExists(o.apiClient, id.name);
    await startKubelet(s, specs.kubelet, containerd);
    if (id.index === 1) await startKubeProxy(s, specs["kube-proxy"]);
    const now = new Date().toISOString();
    s.update({
      readyAt: now,
      observed: {
        at: now,
        chains: listNodeChains(families).filter((c) => !s.node.preexistingChains.includes(c)),
        mounts: mountsUnder(readMountinfo(), l.dataDir).map((m) => m.mountPoint),
      },
    });
    log(`  real node ready after ${seconds(s.t0)}`);
    return s.node;
  } catch (e) {
    log(`Real node start failed; cleaning it up (logs stay in ${l.logsDir}).`);
    const r = await cleanupRealNode({
      layout: l,
      node: s.node,
      table: o.table,
      env: o.env,
      log,
      api: o.apiClient,
      removeApiObjects: false,
    });
    if (!nodeExisted) await deleteNode(o.apiClient, id.name);
    const left = r.leftovers.length ? `\nCould not clean up: ${r.leftovers.join("; ")}` : "";
    if (e instanceof Error) e.message += left;
    throw e;
  }
}

async function nodeExists(api: () => KubeClient, name: string): Promise<boolean> {
  const client = api();
  try {
    await client.get(`/api/v1/nodes/${name}`);
    return true;
  } catch (e) {
    if (e instanceof KubeApiError && e.statusCode === 404) return false;
    throw e;
  } finally {
    client.close();
  }
}

async function deleteNode(api: () => KubeClient, name: string): Promise<void> {
  const client = api();
  try {
    await client.request("DELETE", `/api/v1/nodes/${name}`);
  } catch {
    // not there (or the API is gone): nothing to undo
  } finally {
    client.close();
  }
}

/**
 * Sets the Node's spec.podCIDR to the range its CNI network really uses (no controller allocates
 * pod CIDRs here), so `kubectl get node` tells the truth. It can be set once; a different value
 * already there is left alone.
 */
async function setPodCidr(api: () => KubeClient, name: string, cidr: string): Promise<void> {
  const client = api();
  try {
    const node = await client.get<NodeObject>(`/api/v1/nodes/${name}`);
    if (node.spec?.podCIDR) return;
    await client.request(
      "PATCH",
      `/api/v1/nodes/${name}`,
      { spec: { podCIDR: cidr, podCIDRs: [cidr] } },
      { contentType: "application/merge-patch+json" },
    );
  } finally {
    client.close();
  }
}
