import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MissingBinaryError } from "../src/host/binaries";
import { acquireLock } from "../src/host/lock";
import { findOpenssl } from "../src/pki/pki";
import { startCluster } from "../src/control-plane/start";
import { readState, writeState, type ClusterState } from "../src/control-plane/state";
import { clusterStatus } from "../src/control-plane/status";
import { foreignEntries, stopCluster } from "../src/control-plane/stop";
import { FakeProcessTable, SAMPLE_PORTS, useTempDir } from "./helpers";

const ports = SAMPLE_PORTS;
const rec = (pid: number, name: string) => ({
  pid,
  argv: [`/tc/${name}`, `--x=${pid}`],
  port: pid,
  log: `/logs/${name}.log`,
  startedAt: "2025-01-01T00:00:00.000Z",
});

function seed(dir: string): ClusterState {
  const state: ClusterState = {
    version: 1,
    dataDir: dir,
    auth: "token",
    ports,
    startedAt: "2025-01-01T00:00:00.000Z",
    components: {
      etcd: rec(101, "etcd"),
      "kube-apiserver": rec(102, "kube-apiserver"),
      "kube-controller-manager": rec(103, "kube-controller-manager"),
      "kube-scheduler": rec(104, "kube-scheduler"),
      kwok: rec(105, "kwok"),
    },
  };
  mkdirSync(dir, { recursive: true });
  writeState(join(dir, "state.json"), state);
  return state;
}

describe("stopCluster", () => {
  const t = useTempDir();

  it("stops exactly the recorded processes that are still ours, then removes state.json", async () => {
    const dir = join(t.dir, "cluster");
    const state = seed(dir);
    const table = new FakeProcessTable();
    for (const c of Object.values(state.components)) table.procs.set(c.pid, [...c.argv]);
    table.procs.set(103, ["/usr/bin/python3"]); // recycled pid: not ours
    table.procs.delete(104); // died earlier
    table.procs.set(999, ["/tc/etcd", "--x=101"]); // same command line, unrelated pid
    const lines: string[] = [];
    const result = await stopCluster({ dir, processTable: table, log: (l) => lines.push(l) });
    expect(result.components.map((c) => [c.name, c.result])).toEqual([
      ["etcd", "stopped"],
      ["kube-apiserver", "stopped"],
      ["kube-controller-manager", "not-ours"],
      ["kube-scheduler", "not-running"],
      ["kwok", "stopped"],
    ]);
    expect(table.signals.map((s) => s.pid).sort()).toEqual([101, 102, 105]);
    expect(table.procs.has(103) && table.procs.has(999)).toBe(true);
    expect(readState(join(dir, "state.json"))).toBeUndefined();
    expect(existsSync(dir)).toBe(true);
    expect(lines).toContain("Stopped kube-apiserver (pid 102).");
    expect(lines).toContain(
      "kube-controller-manager: pid 103 now belongs to another program; left it alone.",
    );
  });

  it("is idempotent: nothing running the second time", async () => {
    const dir = join(t.dir, "cluster");
    seed(dir);
    const table = new FakeProcessTable();
    await stopCluster({ dir, processTable: table });
    const lines: string[] = [];
    const again = await stopCluster({ dir, processTable: table, log: (l) => lines.push(l) });
    expect(again.nothingRunning).toBe(true);
    expect(lines).toEqual([`Nothing running in ${dir}.`]);
  });

  it("--purge removes the data directory, and refuses one with foreign files", async () => {
    const dir = join(t.dir, "cluster");
    seed(dir);
    mkdirSync(join(dir, "etcd"));
    writeFileSync(join(dir, "notes.txt"), "mine");
    expect(foreignEntries(dir)).toEqual(["notes.txt"]);
    await expect(
      stopCluster({ dir, purge: true, processTable: new FakeProcessTable() }),
    ).rejects.toThrow(/Refusing to purge .*notes\.txt/);
    expect(existsSync(join(dir, "state.json"))).toBe(true);
    await stopCluster({ dir, processTable: new FakeProcessTable() });
    require("node:fs").rmSync(join(dir, "notes.txt"));
    const r = await stopCluster({ dir, purge: true, processTable: new FakeProcessTable() });
    expect(r.purged).toBe(true);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(t.dir)).toBe(true);
  });
});

describe("clusterStatus", () => {
  const t = useTempDir();

  it("not started without state.json", async () => {
    const s = await clusterStatus({ dir: t.dir });
    expect(s).toMatchObject({ started: false, healthy: false, components: [] });
  });

  it("dead and foreign processes are unhealthy", async () => {
    const dir = join(t.dir, "cluster");
    seed(dir);
    const table = new FakeProcessTable(new Map([[101, ["/usr/bin/other"]]]));
    const s = await clusterStatus({ dir, processTable: table });
    expect(s.healthy).toBe(false);
    expect(s.components.map((c) => [c.name, c.liveness, c.ready])).toEqual([
      ["etcd", "pid-reused", false],
      ["kube-apiserver", "dead", false],
      ["kube-controller-manager", "dead", false],
      ["kube-scheduler", "dead", false],
      ["kwok", "dead", false],
    ]);
  });
});

describe("startCluster", () => {
  const t = useTempDir();

  it("fails with the missing-binary message before starting anything", async () => {
    const dir = join(t.dir, "cluster");
    const env = {
      ...process.env,
      STEADY_TOOLCHAIN_DIR: join(t.dir, "no-toolchain"),
      PATH: join(t.dir, "empty"),
    };
    const err = await startCluster({ dir, env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingBinaryError);
    expect((err as Error).message).toMatch(
      /^etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok not found\. Looked in .*no-toolchain\/bin .*Fix: run `npm run toolchain` \(tools\/toolchain\/build\.sh\)/,
    );
    expect(existsSync(join(dir, "state.json"))).toBe(false);
    expect(existsSync(join(dir, "lock"))).toBe(false);
  });
});

describe("startCluster on a cluster the previous version started", () => {
  const t = useTempDir();

  it("does not call it running: it names what differs and goes to restart it (here: no binaries)", async () => {
    const dir = join(t.dir, "cluster");
    const state = seed(dir);
    // Every process alive with its recorded command line: plain-HTTP etcd, no NodeRestriction.
    const old: ClusterState = {
      ...state,
      components: {
        ...state.components,
        etcd: {
          ...rec(101, "etcd"),
          argv: ["/tc/etcd", "--listen-client-urls=http://127.0.0.1:1"],
        },
        "kube-apiserver": {
          ...rec(102, "kube-apiserver"),
          argv: ["/tc/kube-apiserver", "--authorization-mode=Node,RBAC"],
        },
      },
    };
    writeState(join(dir, "state.json"), old);
    const table = new FakeProcessTable();
    for (const c of Object.values(old.components)) table.procs.set(c.pid, [...c.argv]);
    // openssl (for the PKI) but none of the cluster's binaries.
    const bin = join(t.dir, "bin");
    mkdirSync(bin);
    symlinkSync(findOpenssl()!, join(bin, "openssl"));
    const env = { ...process.env, STEADY_TOOLCHAIN_DIR: join(t.dir, "none"), PATH: bin };
    const lines: string[] = [];
    const t0 = Date.now();
    const err = await startCluster({
      dir,
      env,
      processTable: table,
      log: (l) => lines.push(l),
    }).catch((e: unknown) => e);
    // Not "already running", and no 10 s readiness wait for a cluster it would restart anyway.
    expect(err).toBeInstanceOf(MissingBinaryError);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(lines).toEqual([
      `${dir} runs with older settings (etcd serves plain HTTP; etcd's peer port is not TLS ` +
        "with peer certificates; admission plugin NodeRestriction is off): restarting it on the " +
        "same data with etcd behind TLS and client certificates, and NodeRestriction on.",
    ]);
    // Nothing was stopped: the missing binaries are found before anything is touched.
    expect(table.signals).toEqual([]);
    // The PKI converted already: etcd's certificates are there for the restart.
    expect(existsSync(join(dir, "pki", "etcd-ca.crt"))).toBe(true);
  });
});

describe("lock", () => {
  const t = useTempDir();

  it("excludes a second holder while the first lives, and takes over a dead owner's lock", () => {
    const file = join(t.dir, "lock");
    const table = new FakeProcessTable(new Map([[4242, ["node", "cli.js", "up"]]]));
    writeFileSync(file, "4242");
    expect(() => acquireLock(file, table)).toThrow(/another steady-local \(pid 4242\)/);
    table.procs.delete(4242);
    const release = acquireLock(file, table);
    expect(existsSync(file)).toBe(true);
    release();
    expect(existsSync(file)).toBe(false);
  });
});
