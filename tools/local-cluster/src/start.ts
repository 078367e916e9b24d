import { mkdirSync, readFileSync, statSync } from "node:fs";
import { findClusterBinaries } from "./binaries";
import { componentKubeconfig, componentSpecs, type ComponentSpec } from "./components";
import { adminClient, apiServerUrl, healthCheck } from "./health";
import { isRoot } from "./host";
import { KubeApiError, type KubeClient } from "./kube-client";
import { loadCredentials, writeKubeconfig } from "./kubeconfig";
import { acquireLock } from "./lock";
import { networkCollisions } from "./network";
import {
  COMPONENTS,
  kwokStagesFile,
  layout,
  resolveDataDir,
  type ComponentName,
  type Layout,
} from "./paths";
import { ensurePki, IDENTITIES, type IdentityName, type Pki } from "./pki";
import { allocatePorts, type Ports } from "./ports";
import {
  bootTime,
  isOurs,
  procTable,
  spawnDetached,
  stopProcess,
  type ProcessTable,
} from "./processes";
import { waitUntil } from "./readiness";
import {
  claimRealNode,
  iptablesFamilies,
  NOT_ROOT_MESSAGE,
  preflightRealNode,
  startRealNode,
} from "./real-node";
import { releaseClaim } from "./real-node-claim";
import type { NodeRuntime } from "./node-runtime";
import { nodeLayout, type RealNodeMode } from "./real-node-spec";
import type { RealNodeState } from "./real-node-state";
import { nodeComponentInfos, nodeCondition } from "./real-node-status";
import { cleanupRealNode, describeCleanup } from "./real-node-stop";
import { applyKwokRbac } from "./rbac";
import { postureGaps, securityPosture } from "./security";
import { assess, describeDown, expectedComponents } from "./stale";
import { describeStopped, stopComponents } from "./stop";
import {
  readRememberedPorts,
  readState,
  removeState,
  writeRememberedPorts,
  writeState,
  type ClusterState,
  type ComponentState,
} from "./state";
import type { ClusterInfo, ComponentInfo, RealNodeInfo, StartOptions } from "./types";

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
    containerdSocket: nodeLayout(l).containerdSocket,
  };
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

/**
 * Starts the local cluster in the data directory, or confirms it already runs. Idempotent:
 * a healthy cluster is left alone; a stale one (some processes dead) is stopped and started
 * again on the same data (etcd contents and keys survive). With `realNode`, a real node runs
 * too (see real-node.ts); it can be added to a running cluster that has kwok.
 */
export async function startCluster(opts: StartOptions = {}): Promise<ClusterInfo> {
  const t0 = Date.now();
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const table = opts.processTable ?? procTable;
  const l = layout(opts.dir ?? resolveDataDir(env));
  const wanted = opts.realNode;
  // A real node fails here, before anything is touched, when it could not run anyway.
  let nodeRuntime = wanted ? preflightRealNode(l, env) : undefined;
  for (const d of [l.dataDir, l.logsDir, l.kubeconfigsDir, l.kwokDir]) {
    mkdirSync(d, { recursive: true, mode: 0o700 });
  }
  const release = acquireLock(l.lockFile, table);
  try {
    const previous = readState(l.stateFile);
    let outcome: ClusterInfo["outcome"] = "started";
    if (previous) {
      const pki = ensurePki(l.pkiDir, previous.auth, env);
      const verdict = assess(previous, table);
      const had = previous.realNode?.mode;
      // A cluster started by an older version (etcd on plain HTTP, no NodeRestriction) is
      // restarted on the same data with this version's settings, however healthy it is.
      const gaps = postureGaps(securityPosture(previous));
      if (
        verdict.kind === "running" &&
        gaps.length === 0 &&
        (await readyWithin(pki, previous.ports, 10_000))
      ) {
        const apiClient = () => adminClient(pki, previous.ports, 3000);
        const nodeOk =
          !previous.realNode ||
          (await nodeReadyWithin(apiClient, previous.realNode.nodeName, 10_000));
        if (nodeOk) {
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
                  runtime: nodeRuntime!,
                  apiClient,
                  table,
                  env,
                  log,
                  timeoutMs: opts.timeoutMs,
                })
              : undefined;
          return {
            dataDir: l.dataDir,
            kubeconfigPath: l.kubeconfig,
            apiServerUrl: apiServerUrl(previous.ports),
            components: componentInfos(previous),
            outcome: "already-running",
            portChanges: [],
            elapsedMs: Date.now() - t0,
            realNode: added
              ? realNodeInfo(l, added, "started")
              : realNodeInfo(l, previous.realNode, "already-running"),
          };
        }
      }
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
        throw new Error(
          `${l.dataDir} has a real node; restarting it needs root. ${NOT_ROOT_MESSAGE}`,
        );
      }
      nodeRuntime ??= (wanted ?? had) ? preflightRealNode(l, env) : undefined;
      if (previous.realNode) await cleanUpStaleNode(previous.realNode, l, { table, env, log });
      await stopSurvivors(previous, table, log);
      outcome = "restarted";
    }
    const mode = wanted ?? previous?.realNode?.mode;
    const binaries = findClusterBinaries(env);
    const collisions = networkCollisions();
    if (collisions.length) {
      throw new Error(`Cannot start: ${collisions.join("; ")}.`);
    }
    if (mode) await claimRealNode(l, iptablesFamilies(nodeRuntime!), { table, env, log });
    const { ports, changes } = await allocatePorts(
      previous?.ports ?? readRememberedPorts(l.portsFile),
    );
    for (const c of changes) {
      log(`Port ${c.from} (${c.name}) is taken by another process; using ${c.to} instead.`);
    }
    log(`Starting the local cluster in ${l.dataDir}`);
    const tPki = Date.now();
    const pki = ensurePki(l.pkiDir, previous?.auth ?? opts.auth, env);
    log(
      `  keys and certificates (${pki.mode}) ready after ${((Date.now() - tPki) / 1000).toFixed(1)} s`,
    );
    const specs = componentSpecs({ binaries, layout: l, ports, pki, kwokStages: kwokStagesFile() });
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
    const started: ComponentState[] = [];
    const timeout = (name: keyof typeof DEFAULT_TIMEOUTS) =>
      opts.timeoutMs ?? DEFAULT_TIMEOUTS[name];
    const apiClient = () => adminClient(pki, ports, 3000);
    let nodeStarting = false;

    const launch = (spec: ComponentSpec): ComponentState => {
      const logFile = l.logFile(spec.name);
      const pid = spawnDetached(spec.argv, logFile, { ...env, ...spec.env }, l.dataDir);
      const record: ComponentState = {
        pid,
        argv: spec.argv,
        port: spec.port,
        log: logFile,
        startedAt: new Date().toISOString(),
      };
      (state.components as Record<string, ComponentState>)[spec.name] = record;
      writeState(l.stateFile, state);
      started.push(record);
      log(`  started ${spec.name} (pid ${pid}, port ${spec.port})`);
      return record;
    };
    const ready = async (spec: ComponentSpec, record: ComponentState) => {
      const t = Date.now();
      await waitUntil("readiness", healthCheck(spec.name, ports, apiClient, l.pkiDir), {
        component: spec.name,
        logFile: record.log,
        timeoutMs: timeout(spec.name),
        alive: () => isOurs(table, record),
      });
      log(`  ${spec.name} ready after ${((Date.now() - t) / 1000).toFixed(1)} s`);
    };

    try {
      const etcd = launch(specs.etcd);
      await ready(specs.etcd, etcd);
      const apiserver = launch(specs["kube-apiserver"]);
      await ready(specs["kube-apiserver"], apiserver);
      writeKubeconfigs(l, pki, ports);
      const names = expectedComponents({
        realNode: mode ? ({ mode } as RealNodeState) : undefined,
      });
      const rest = (["kube-controller-manager", "kube-scheduler"] as const).map((n) => ({
        spec: specs[n],
        record: launch(specs[n]),
      }));
      // kwok has no rights but its ClusterRole: it starts once that is in force (the others
      // start meanwhile, so this costs `up` nothing).
      const tRbac = Date.now();
      await withClient(apiClient, applyKwokRbac);
      log(`  kwok's ClusterRole in force after ${((Date.now() - tRbac) / 1000).toFixed(1)} s`);
      if (names.includes("kwok")) rest.push({ spec: specs.kwok, record: launch(specs.kwok) });
      await Promise.all(rest.map(({ spec, record }) => ready(spec, record)));
      const tSa = Date.now();
      await waitForDefaultServiceAccount(apiClient, {
        component: "kube-controller-manager",
        logFile: l.logFile("kube-controller-manager"),
        timeoutMs: timeout("default-serviceaccount"),
        alive: () => isOurs(table, rest[0]!.record),
      });
      const saSeconds = ((Date.now() - tSa) / 1000).toFixed(1);
      log(`  default ServiceAccount present after ${saSeconds} s: kube-controller-manager works`);
      if (mode) {
        nodeStarting = true;
        await startRealNode({
          layout: l,
          pki,
          runtime: nodeRuntime!,
          mode,
          apiServerUrl: apiServerUrl(ports),
          apiClient,
          table,
          env,
          log,
          timeoutMs: opts.timeoutMs,
          save: (rn) => {
            (state as { realNode?: RealNodeState }).realNode = rn;
            writeState(l.stateFile, state);
          },
        });
      }
    } catch (e) {
      log(`Start failed; stopping the components this run started (logs stay in ${l.logsDir}).`);
      for (const record of [...started].reverse()) await stopProcess(table, record, 5000);
      removeState(l.stateFile);
      // startRealNode cleans up after itself; before it, only the claim was made.
      if (mode && !nodeStarting) releaseClaim(l.dataDir);
      throw e;
    }
    return {
      dataDir: l.dataDir,
      kubeconfigPath: l.kubeconfig,
      apiServerUrl: apiServerUrl(ports),
      components: componentInfos(state),
      outcome,
      portChanges: changes,
      elapsedMs: Date.now() - t0,
      realNode: realNodeInfo(l, state.realNode, "started"),
    };
  } finally {
    release();
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
