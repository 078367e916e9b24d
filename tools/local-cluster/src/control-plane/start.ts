import { mkdirSync, readFileSync, statSync } from "node:fs";
import { findClusterBinaries } from "../host/binaries";
import { componentKubeconfig, componentSpecs, type ComponentSpec } from "./components";
import { adminClient, apiServerUrl, healthCheck } from "./health";
import { isRoot } from "../host/host";
import { KubeApiError, type KubeClient } from "@steady/deploy";
import { loadCredentials, writeKubeconfig } from "../pki/kubeconfig";
import { acquireLock } from "../host/lock";
import { MAX_REAL_NODES, networkCollisions } from "../network";
import {
  COMPONENTS,
  kwokStagesFile,
  layout,
  resolveDataDir,
  type ComponentName,
  type Layout,
} from "../paths";
import { ensurePki, IDENTITIES, type IdentityName, type Pki } from "../pki/pki";
import { allocatePorts, type Ports } from "../host/ports";
import {
  bootTime,
  isOurs,
  procTable,
  launchProcess,
  stopProcess,
  type LaunchedProcess,
  type ProcessTable,
  describeStopped,
} from "../host/processes";
import { waitUntil } from "../host/readiness";
import {
  claimRealNode,
  iptablesFamilies,
  NOT_ROOT_MESSAGE,
  preflightRealNode,
  startRealNode,
  type StartRealNodeOptions,
} from "../real-node/start";
import { releaseClaim } from "../real-node/claim";
import type { NodeRuntime } from "../real-node/node-runtime";
import { identityOf, nodeIdentity, nodeLayout, type RealNodeMode } from "../real-node/spec";
import type { RealNodeState } from "../real-node/state";
import { nodeComponentInfos, nodeCondition } from "../real-node/status";
import { cleanupRealNode, describeCleanup } from "../real-node/stop";
import { applyKwokRbac } from "./rbac";
import { postureGaps, securityPosture } from "./security";
import { assess, describeDown, expectedComponents } from "./stale";
import { stopComponents } from "./stop";
import {
  readRememberedPorts,
  readState,
  removeState,
  writeRememberedPorts,
  writeState,
  type ClusterState,
} from "./state";
import type { ClusterInfo, ComponentInfo, RealNodeInfo, StartOptions } from "../types";

const DEFAULT_TIMEOUTS: Record<ComponentName | "default-serviceaccount", number> = {
  etcd: 30_000,
  "kube-apiserver": 120_000,
  "kube-controller-manager": 120_000,
  "kube-scheduler": 120_000,
  kwok: 120_000,
  "default-serviceaccount": 120_000,
};

function componentInfos(state: ClusterState): ComponentInfo[] {
  return COMPONENTS.flatMap((name) => {
    const c = state.components[name];
    return c ? [{ name, pid: c.pid, port: c.port, log: c.log, argv: c.argv }] : [];
  });
}

/** Writes the admin kubeconfig and one per component, all with the API server's CA embedded. */
function writeKubeconfigs(l: Layout, pki: Pki, ports: Ports): void {
  const caPem = readFileSync(pki.serverCaFile, "utf8");
  const server = apiServerUrl(ports);
  const write = (path: string, id: IdentityName) =>
    writeKubeconfig(path, {
      server,
      caPem,
      userName: IDENTITIES[id].user,
      credentials: loadCredentials(pki.credentials[id]),
    });
  write(l.kubeconfig, "admin");
  for (const name of ["kube-controller-manager", "kube-scheduler", "kwok"] as const) {
    write(componentKubeconfig(l, name), name);
  }
}

/** Reports what is down in a stale cluster, and since when. */
function logStale(
  state: ClusterState,
  verdict: Extract<ReturnType<typeof assess>, { kind: "stale" }>,
  l: Layout,
  log: (line: string) => void,
): void {
  const boot = bootTime();
  log(`Found a stale cluster in ${l.dataDir} (state.json from ${state.startedAt}):`);
  for (const check of verdict.down) {
    let logModified: Date | undefined;
    try {
      logModified = statSync(l.logFile(check.name)).mtime;
    } catch {
      // no log
    }
    log(`  ${describeDown(check, { bootTime: boot, logModified })}`);
  }
}

/** Stops the recorded processes that are still ours (a dead or recycled pid is left alone). */
async function stopSurvivors(state: ClusterState, table: ProcessTable, log: (l: string) => void) {
  for (const c of await stopComponents(state, table)) {
    if (c.result === "stopped" || c.result === "killed") log(`  ${describeStopped(c)}`);
  }
}

/** Whether the recorded cluster answers /readyz as the admin within a few seconds. */
async function readyWithin(pki: Pki, ports: Ports, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const client = (() => {
      try {
        return adminClient(pki, ports, 2000);
      } catch {
        return undefined;
      }
    })();
    if (client) {
      try {
        if (String(await client.get<string>("/readyz")).trim() === "ok") return true;
      } catch {
        // not yet
      } finally {
        client.close();
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

/** The real node of a state, as ClusterInfo reports it. */
function realNodeInfo(
  l: Layout,
  node: RealNodeState | undefined,
  outcome: RealNodeInfo["outcome"],
): RealNodeInfo | undefined {
  if (!node) return undefined;
  return {
    name: node.nodeName,
    mode: node.mode,
    outcome,
    nodeIp: node.nodeIp,
    podCidr: node.podCidr,
    bridge: node.bridge,
    ports: node.ports,
    components: nodeComponentInfos(node),
    containerdSocket: nodeLayout(l, identityOf(node)).containerdSocket,
  };
}

/** How many real nodes a state records (0 without a real node). */
const realNodeCount = (s: Pick<ClusterState, "realNode" | "extraRealNodes"> | undefined) =>
  s?.realNode ? 1 + (s.extraRealNodes?.length ?? 0) : 0;

/** The `realNodes` option, checked: a whole number from 1 to MAX_REAL_NODES, with a real node. */
function checkRealNodeCount(opts: StartOptions): number | undefined {
  const n = opts.realNodes;
  if (n === undefined) return undefined;
  if (!Number.isInteger(n) || n < 1 || n > MAX_REAL_NODES) {
    throw new Error(`realNodes is ${n}: it must be a whole number from 1 to ${MAX_REAL_NODES}`);
  }
  if (!opts.realNode)
    throw new Error("realNodes needs realNode (--real-nodes goes with --real-node)");
  return n;
}

const describeMode = (mode: RealNodeMode | undefined) =>
  mode === "only"
    ? "a real node and no kwok (--real-node-only)"
    : mode
      ? "a real node beside kwok (--real-node)"
      : "kwok only";

/** Whether the recorded real node's Node is Ready within `ms` (the API server answers). */
async function nodeReadyWithin(apiClient: () => KubeClient, name: string, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const client = apiClient();
    try {
      if ((await nodeCondition(client, name))?.ready) return true;
    } finally {
      client.close();
    }
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Adds a real node to a running cluster; on failure the state is as before. */
async function addRealNode(
  previous: ClusterState,
  mode: RealNodeMode,
  c: {
    l: Layout;
    pki: Pki;
    runtime: NodeRuntime;
    apiClient: () => KubeClient;
    table: ProcessTable;
    env: NodeJS.ProcessEnv;
    log: (line: string) => void;
    timeoutMs?: number;
  },
): Promise<RealNodeState> {
  await claimRealNode(c.l, iptablesFamilies(c.runtime), c);
  try {
    return await startRealNode({
      layout: c.l,
      pki: c.pki,
      runtime: c.runtime,
      mode,
      apiServerUrl: apiServerUrl(previous.ports),
      apiClient: c.apiClient,
      table: c.table,
      env: c.env,
      log: c.log,
      timeoutMs: c.timeoutMs,
      save: (rn) => writeState(c.l.stateFile, { ...previous, realNode: rn }),
    });
  } catch (e) {
    // startRealNode has cleaned up (and released the claim unless something was left).
    writeState(c.l.stateFile, previous);
    throw e;
  }
}

/**
 * Cleans up after a real node that crashed (or whose cluster is restarted), keeping its pods and
 * Node object for the restart. Refuses to go on when something could not be removed.
 */
async function cleanUpStaleNode(
  node: RealNodeState,
  l: Layout,
  c: { table: ProcessTable; env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<void> {
  const r = await cleanupRealNode({ layout: l, node, ...c, removeApiObjects: false });
  describeCleanup(r).forEach((line) => c.log(line));
  if (r.leftovers.length) {
    throw new Error(`Could not clean up the real node of ${l.dataDir}: ${r.leftovers.join("; ")}`);
  }
}

/** What every step of `startCluster` shares: the options resolved once. */
interface StartRun {
  readonly t0: number;
  readonly opts: StartOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly log: (line: string) => void;
  readonly table: ProcessTable;
  readonly l: Layout;
  /** The real node asked for by this `up`, if any. */
  readonly wanted?: RealNodeMode;
  /** How many real nodes this `up` asked for (undefined: as the cluster has, or 1). */
  readonly wantedCount?: number;
  /** The real node's runtime, checked before anything is touched (when a real node runs). */
  nodeRuntime?: NodeRuntime;
}

/**
 * Starts the local cluster in the data directory, or confirms it already runs. Idempotent:
 * a healthy cluster is left alone; a stale one (some processes dead) is stopped and started
 * again on the same data (etcd contents and keys survive). With `realNode`, a real node runs
 * too (see real-node/start.ts); it can be added to a running cluster that has kwok.
 */
export async function startCluster(opts: StartOptions = {}): Promise<ClusterInfo> {
  const env = opts.env ?? process.env;
  const l = layout(opts.dir ?? resolveDataDir(env));
  const run: StartRun = {
    t0: Date.now(),
    opts,
    env,
    log: opts.log ?? (() => undefined),
    table: opts.processTable ?? procTable,
    l,
    wanted: opts.realNode,
    wantedCount: checkRealNodeCount(opts),
    // A real node fails here, before anything is touched, when it could not run anyway.
    nodeRuntime: opts.realNode ? preflightRealNode(l, env) : undefined,
  };
  for (const d of [l.dataDir, l.logsDir, l.kubeconfigsDir, l.kwokDir]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
  }
  const release = acquireLock(l.lockFile, run.table);
  try {
    const previous = readState(l.stateFile);
    if (!previous) return await bootCluster(run, undefined, "started");
    const running = await reuseRunning(run, previous);
    if (running) return running;
    await prepareRestart(run, previous);
    return await bootCluster(run, previous, "restarted");
  } finally {
    release();
  }
}

/**
 * The answer for a cluster that already runs healthy with this version's settings (adding the
 * real node asked for, if it has none yet); undefined when it must be (re)started.
 */
async function reuseRunning(
  run: StartRun,
  previous: ClusterState,
): Promise<ClusterInfo | undefined> {
  const { l, wanted } = run;
  const pki = ensurePki(l.pkiDir, previous.auth, run.env);
  const had = previous.realNode?.mode;
  // A cluster started by an older version (etcd on plain HTTP, no NodeRestriction) is
  // restarted on the same data with this version's settings, however healthy it is.
  if (assess(previous, run.table).kind !== "running") return undefined;
  if (postureGaps(securityPosture(previous)).length) return undefined;
  if (!(await readyWithin(pki, previous.ports, 10_000))) return undefined;
  const apiClient = () => adminClient(pki, previous.ports, 3000);
  for (const node of [previous.realNode, ...(previous.extraRealNodes ?? [])]) {
    if (node && !(await nodeReadyWithin(apiClient, node.nodeName, 10_000))) return undefined;
  }
  const count = realNodeCount(previous);
  if (had && run.wantedCount !== undefined && run.wantedCount !== count) {
    throw new Error(
      `${l.dataDir} runs ${count} real node(s); it cannot change to ${run.wantedCount} while it ` +
        "runs. Run `steady-local down`, then `up` with the options you want.",
    );
  }
  if (wanted && wanted !== had && !(wanted === "beside-kwok" && had === undefined)) {
    throw new Error(
      `${l.dataDir} runs ${describeMode(had)}; it cannot switch to ${describeMode(wanted)} ` +
        "while it runs. Run `steady-local down`, then `up` with the options you want.",
    );
  }
  writeKubeconfigs(l, pki, previous.ports); // cheap, and repairs a deleted kubeconfig
  const added =
    wanted && !had
      ? await addRealNode(previous, wanted, {
          l,
          pki,
          runtime: run.nodeRuntime!,
          apiClient,
          table: run.table,
          env: run.env,
          log: run.log,
          timeoutMs: run.opts.timeoutMs,
        })
      : undefined;
  return {
    dataDir: l.dataDir,
    kubeconfigPath: l.kubeconfig,
    apiServerUrl: apiServerUrl(previous.ports),
    components: componentInfos(previous),
    outcome: "already-running",
    portChanges: [],
    elapsedMs: Date.now() - run.t0,
    realNode: added
      ? realNodeInfo(l, added, "started")
      : realNodeInfo(l, previous.realNode, "already-running"),
    ...(previous.extraRealNodes?.length
      ? {
          extraRealNodes: previous.extraRealNodes.map((n) =>
            realNodeInfo(l, n, "already-running")!,
          ),
        }
      : {}),
  };
}

/** Says why a cluster is restarted, then stops what is left of it (its real node first). */
async function prepareRestart(run: StartRun, previous: ClusterState): Promise<void> {
  const { l, log, table, env } = run;
  const verdict = assess(previous, table);
  const gaps = postureGaps(securityPosture(previous));
  if (verdict.kind === "running" && gaps.length) {
    log(
      `${l.dataDir} runs with older settings (${gaps.join("; ")}): restarting it on the ` +
        "same data with etcd behind TLS and client certificates, and NodeRestriction on.",
    );
  } else if (verdict.kind === "running") {
    log(`All processes of ${l.dataDir} run, but the cluster is not ready: restarting them.`);
  } else {
    logStale(previous, verdict, l, log);
  }
  // Fail before stopping anything when the cluster could not be started again anyway.
  findClusterBinaries(env);
  if (previous.realNode && !isRoot()) {
    throw new Error(`${l.dataDir} has a real node; restarting it needs root. ${NOT_ROOT_MESSAGE}`);
  }
  run.nodeRuntime ??=
    (run.wanted ?? previous.realNode?.mode) ? preflightRealNode(l, env) : undefined;
  for (const extra of previous.extraRealNodes ?? []) {
    await cleanUpStaleNode(extra, l, { table, env, log });
  }
  if (previous.realNode) await cleanUpStaleNode(previous.realNode, l, { table, env, log });
  await stopSurvivors(previous, table, log);
}

/** Ports, keys and a fresh state file, then every component (and the real node) started. */
async function bootCluster(
  run: StartRun,
  previous: ClusterState | undefined,
  outcome: ClusterInfo["outcome"],
): Promise<ClusterInfo> {
  const { l, log, env } = run;
  const mode = run.wanted ?? previous?.realNode?.mode;
  const count = run.wantedCount ?? Math.max(1, realNodeCount(previous));
  const binaries = findClusterBinaries(env);
  const collisions = networkCollisions();
  if (collisions.length) {
    throw new Error(`Cannot start: ${collisions.join("; ")}.`);
  }
  if (mode) await claimRealNode(l, iptablesFamilies(run.nodeRuntime!), run);
  const { ports, changes } = await allocatePorts(
    previous?.ports ?? readRememberedPorts(l.portsFile),
  );
  for (const c of changes) {
    log(`Port ${c.from} (${c.name}) is taken by another process; using ${c.to} instead.`);
  }
  log(`Starting the local cluster in ${l.dataDir}`);
  const tPki = Date.now();
  const pki = ensurePki(l.pkiDir, previous?.auth ?? run.opts.auth, env);
  log(
    `  keys and certificates (${pki.mode}) ready after ${((Date.now() - tPki) / 1000).toFixed(1)} s`,
  );
  const state: ClusterState = {
    version: 1,
    dataDir: l.dataDir,
    auth: pki.mode,
    ports,
    startedAt: new Date().toISOString(),
    components: {},
  };
  writeState(l.stateFile, state);
  writeRememberedPorts(l.portsFile, ports);
  await new Launcher(run, state, pki, binaries).startAll(mode, count);
  return {
    dataDir: l.dataDir,
    kubeconfigPath: l.kubeconfig,
    apiServerUrl: apiServerUrl(ports),
    components: componentInfos(state),
    outcome,
    portChanges: changes,
    elapsedMs: Date.now() - run.t0,
    realNode: realNodeInfo(l, state.realNode, "started"),
    ...(state.extraRealNodes?.length
      ? { extraRealNodes: state.extraRealNodes.map((n) => realNodeInfo(l, n, "started")!) }
      : {}),
  };
}

/**
 * Starts the components in order, each recorded in the state file the moment it runs, and
 * stops exactly those again when a later step fails, so a failed `up` leaves nothing running.
 */
class Launcher {
  private readonly started: LaunchedProcess[] = [];
  private readonly specs: Record<ComponentName, ComponentSpec>;
  private readonly apiClient: () => KubeClient;

  constructor(
    private readonly run: StartRun,
    private readonly state: ClusterState,
    private readonly pki: Pki,
    binaries: ReturnType<typeof findClusterBinaries>,
  ) {
    this.specs = componentSpecs({
      binaries,
      layout: run.l,
      ports: state.ports,
      pki,
      kwokStages: kwokStagesFile(),
    });
    this.apiClient = () => adminClient(pki, state.ports, 3000);
  }

  async startAll(mode: RealNodeMode | undefined, count = 1): Promise<void> {
    let nodeStarting = false;
    try {
      await this.startControlPlane(mode);
      if (mode) {
        nodeStarting = true;
        await this.startNode(mode);
        for (let index = 2; index <= count; index++) await this.startExtraNode(mode, index);
      }
    } catch (e) {
      const { l, table } = this.run;
      this.run.log(
        `Start failed; stopping the components this run started (logs stay in ${l.logsDir}).`,
      );
      for (const record of [...this.started].reverse()) await stopProcess(table, record, 5000);
      removeState(l.stateFile);
      // startRealNode cleans up after itself; before it, only the claim was made.
      if (mode && !nodeStarting) releaseClaim(l.dataDir);
      throw e;
    }
  }

  /** etcd, then the API server, then the rest once their rights are in force. */
  private async startControlPlane(mode: RealNodeMode | undefined): Promise<void> {
    const { l, log, table } = this.run;
    const specs = this.specs;
    await this.ready(specs.etcd, this.launch(specs.etcd));
    await this.ready(specs["kube-apiserver"], this.launch(specs["kube-apiserver"]));
    writeKubeconfigs(l, this.pki, this.state.ports);
    const names = expectedComponents({
      realNode: mode ? ({ mode } as RealNodeState) : undefined,
    });
    const rest = (["kube-controller-manager", "kube-scheduler"] as const).map((n) => ({
      spec: specs[n],
      record: this.launch(specs[n]),
    }));
    // kwok has no rights but its ClusterRole: it starts once that is in force (the others
    // start meanwhile, so this costs `up` nothing).
    const tRbac = Date.now();
    await withClient(this.apiClient, applyKwokRbac);
    log(`  kwok's ClusterRole in force after ${((Date.now() - tRbac) / 1000).toFixed(1)} s`);
    if (names.includes("kwok")) rest.push({ spec: specs.kwok, record: this.launch(specs.kwok) });
    await Promise.all(rest.map(({ spec, record }) => this.ready(spec, record)));
    const tSa = Date.now();
    await waitForDefaultServiceAccount(this.apiClient, {
      component: "kube-controller-manager",
      logFile: l.logFile("kube-controller-manager"),
      timeoutMs: this.timeout("default-serviceaccount"),
      alive: () => isOurs(table, rest[0]!.record),
    });
    const saSeconds = ((Date.now() - tSa) / 1000).toFixed(1);
    log(`  default ServiceAccount present after ${saSeconds} s: kube-controller-manager works`);
  }

  /**
   * Real node `index` (2..N) beside node 1. When it fails (it cleans up after itself), the nodes
   * started before it are taken down too, so a failed `up` leaves nothing running.
   */
  private async startExtraNode(mode: RealNodeMode, index: number): Promise<void> {
    const { l, table, env, log } = this.run;
    const state = this.state as { extraRealNodes?: RealNodeState[]; realNode?: RealNodeState };
    const started = state.extraRealNodes?.length ?? 0;
    try {
      await startRealNode({
        ...this.realNodeOptions(mode, (rn) => {
          state.extraRealNodes = [...(state.extraRealNodes ?? []).slice(0, started), rn];
        }),
        identity: nodeIdentity(index),
      });
    } catch (e) {
      state.extraRealNodes = state.extraRealNodes?.slice(0, started);
      const nodes = [...(state.extraRealNodes ?? []).reverse(), state.realNode];
      for (const node of nodes.filter((n): n is RealNodeState => n !== undefined)) {
        const r = await cleanupRealNode({
          layout: l,
          node,
          table,
          env,
          log,
          removeApiObjects: false,
        });
        describeCleanup(r).forEach((line) => log(line));
      }
      throw e;
    }
  }

  private async startNode(mode: RealNodeMode): Promise<void> {
    await startRealNode(
      this.realNodeOptions(mode, (rn) => {
        (this.state as { realNode?: RealNodeState }).realNode = rn;
      }),
    );
  }

  /**
   * What starting any real node takes from this run (layout, PKI, runtime, API server, process
   * table, environment, log, deadline); `record` puts the node's state where it belongs in the
   * cluster's state, which is then written to state.json.
   */
  private realNodeOptions(
    mode: RealNodeMode,
    record: (node: RealNodeState) => void,
  ): StartRealNodeOptions {
    const { l, table, env, log, opts } = this.run;
    return {
      layout: l,
      pki: this.pki,
      runtime: this.run.nodeRuntime!,
      mode,
      apiServerUrl: apiServerUrl(this.state.ports),
      apiClient: this.apiClient,
      table,
      env,
      log,
      timeoutMs: opts.timeoutMs,
      save: (rn) => {
        record(rn);
        writeState(l.stateFile, this.state);
      },
    };
  }

  private timeout(name: keyof typeof DEFAULT_TIMEOUTS): number {
    return this.run.opts.timeoutMs ?? DEFAULT_TIMEOUTS[name];
  }

  private launch(spec: ComponentSpec): LaunchedProcess {
    const { l, env, log } = this.run;
    const record = launchProcess(spec, l.logFile(spec.name), env, l.dataDir);
    (this.state.components as Record<string, LaunchedProcess>)[spec.name] = record;
    writeState(l.stateFile, this.state);
    this.started.push(record);
    log(`  started ${spec.name} (pid ${record.pid}, port ${spec.port})`);
    return record;
  }

  private async ready(spec: ComponentSpec, record: LaunchedProcess): Promise<void> {
    const t = Date.now();
    const { l, table, log } = this.run;
    await waitUntil(
      "readiness",
      healthCheck(spec.name, this.state.ports, this.apiClient, l.pkiDir),
      {
        component: spec.name,
        logFile: record.log,
        timeoutMs: this.timeout(spec.name),
        alive: () => isOurs(table, record),
      },
    );
    log(`  ${spec.name} ready after ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }
}

async function withClient(make: () => KubeClient, f: (c: KubeClient) => Promise<void>) {
  const client = make();
  try {
    await f(client);
  } finally {
    client.close();
  }
}

async function waitForDefaultServiceAccount(
  apiClient: () => ReturnType<typeof adminClient>,
  wait: Parameters<typeof waitUntil>[2],
): Promise<void> {
  await waitUntil(
    "the default ServiceAccount in namespace default",
    async () => {
      const client = apiClient();
      try {
        await client.get("/api/v1/namespaces/default/serviceaccounts/default");
        return true;
      } catch (e) {
        if (e instanceof KubeApiError && e.statusCode === 404) return false;
        throw e;
      } finally {
        client.close();
      }
    },
    wait,
  );
}
