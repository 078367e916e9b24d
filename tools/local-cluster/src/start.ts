import { mkdirSync, readFileSync, statSync } from "node:fs";
import { findClusterBinaries } from "./binaries";
import { componentKubeconfig, componentSpecs, type ComponentSpec } from "./components";
import { adminClient, apiServerUrl, healthCheck } from "./health";
import { KubeApiError } from "./kube-client";
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
import { assess, describeDown } from "./stale";
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
import type { ClusterInfo, ComponentInfo, StartOptions } from "./types";

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

/** Stops the survivors of a stale cluster, reporting what is down and since when. */
async function clearStale(
  state: ClusterState,
  table: ProcessTable,
  l: Layout,
  log: (line: string) => void,
): Promise<void> {
  const verdict = assess(state, table);
  if (verdict.kind === "running") return;
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
  await stopSurvivors(state, table, log);
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

/**
 * Starts the local cluster in the data directory, or confirms it already runs. Idempotent:
 * a healthy cluster is left alone; a stale one (some processes dead) is stopped and started
 * again on the same data (etcd contents and keys survive).
 */
export async function startCluster(opts: StartOptions = {}): Promise<ClusterInfo> {
  const t0 = Date.now();
  const env = opts.env ?? process.env;
  const log = opts.log ?? (() => undefined);
  const table = opts.processTable ?? procTable;
  const l = layout(opts.dir ?? resolveDataDir(env));
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
      if (verdict.kind === "running" && (await readyWithin(pki, previous.ports, 10_000))) {
        writeKubeconfigs(l, pki, previous.ports); // cheap, and repairs a deleted kubeconfig
        return {
          dataDir: l.dataDir,
          kubeconfigPath: l.kubeconfig,
          apiServerUrl: apiServerUrl(previous.ports),
          components: componentInfos(previous),
          outcome: "already-running",
          portChanges: [],
          elapsedMs: Date.now() - t0,
        };
      }
      // Fail before stopping anything when the cluster could not be started again anyway.
      findClusterBinaries(env);
      if (verdict.kind === "running") {
        log(`All processes of ${l.dataDir} run, but the API server is not ready: restarting them.`);
        await stopSurvivors(previous, table, log);
      } else {
        await clearStale(previous, table, l, log);
      }
      outcome = "restarted";
    }
    const binaries = findClusterBinaries(env);
    const collisions = networkCollisions();
    if (collisions.length) {
      throw new Error(`Cannot start: ${collisions.join("; ")}.`);
    }
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
      await waitUntil("readiness", healthCheck(spec.name, ports, apiClient), {
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
      const rest = (["kube-controller-manager", "kube-scheduler", "kwok"] as const).map((n) => ({
        spec: specs[n],
        record: launch(specs[n]),
      }));
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
    } catch (e) {
      log(`Start failed; stopping the components this run started (logs stay in ${l.logsDir}).`);
      for (const record of [...started].reverse()) await stopProcess(table, record, 5000);
      removeState(l.stateFile);
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
    };
  } finally {
    release();
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
