import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  parseState,
  readRememberedPorts,
  readState,
  removeState,
  writeRememberedPorts,
  writeState,
  type ClusterState,
} from "../src/control-plane/state";
import { sampleRealNode, SAMPLE_PORTS, useTempDir } from "./helpers";

const ports = SAMPLE_PORTS;

function sampleState(dataDir: string): ClusterState {
  return {
    version: 1,
    dataDir,
    auth: "certs",
    ports,
    startedAt: "2025-01-01T00:00:00.000Z",
    components: {
      etcd: {
        pid: 1234,
        argv: ["/bin/etcd", "--data-dir=/x y/etcd", "--name=a"],
        port: 1,
        log: join(dataDir, "logs/etcd.log"),
        startedAt: "2025-01-01T00:00:01.000Z",
      },
    },
  };
}

describe("state file", () => {
  const t = useTempDir();

  it("round-trips exactly, argv included", () => {
    const file = join(t.dir, "state.json");
    const state = sampleState(t.dir);
    writeState(file, state);
    expect(readState(file)).toEqual(state);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("is absent before the first write and after removal", () => {
    const file = join(t.dir, "state.json");
    expect(readState(file)).toBeUndefined();
    writeState(file, sampleState(t.dir));
    removeState(file);
    expect(readState(file)).toBeUndefined();
  });

  it("rejects a corrupt file with advice", () => {
    const file = join(t.dir, "state.json");
    writeFileSync(file, "{ not json");
    expect(() => readState(file)).toThrow(/not valid JSON.*remove it/);
  });

  it("rejects states with bad fields, naming the field", () => {
    const good = sampleState(t.dir) as unknown as Record<string, unknown>;
    expect(() => parseState({ ...good, version: 2 })).toThrow(/unsupported version 2/);
    expect(() => parseState({ ...good, auth: "basic" })).toThrow(/auth/);
    expect(() => parseState({ ...good, ports: { ...ports, kwok: "x" } })).toThrow(/ports.kwok/);
    const badPid = { etcd: { ...sampleState(t.dir).components.etcd, pid: -1 } };
    expect(() => parseState({ ...good, components: badPid })).toThrow(/components.etcd.pid/);
    const unknown = { ...good, components: { kubelet: {} } };
    expect(() => parseState(unknown)).toThrow(/unknown component kubelet/);
  });

  it("round-trips a real node, and rejects a bad one naming the field", () => {
    const file = join(t.dir, "state.json");
    const node = sampleRealNode({
      kubelet: { pid: 7, argv: ["/tc/kubelet"], port: 3001, log: "/l", startedAt: "t" },
    });
    const state = { ...sampleState(t.dir), realNode: node };
    writeState(file, state);
    expect(readState(file)).toEqual(state);
    const good = sampleState(t.dir) as unknown as Record<string, unknown>;
    const bad = (patch: Record<string, unknown>) => () =>
      parseState({ ...good, realNode: { ...node, ...patch } });
    expect(bad({ mode: "twice" })).toThrow(/realNode.mode must be one of beside-kwok, only/);
    expect(bad({ ports: { kubelet: 1 } })).toThrow(/realNode.ports.kubeletHealthz missing/);
    expect(bad({ processes: { etcd: {} } })).toThrow(/unknown realNode process etcd/);
    expect(bad({ processes: { kubelet: { ...node.processes.kubelet, pid: 0 } } })).toThrow(
      /realNode.processes.kubelet.pid/,
    );
    expect(bad({ sysctls: [{ key: "a" }] })).toThrow(/realNode.sysctls/);
    expect(bad({ preexistingChains: "KUBE-X" })).toThrow(/realNode.preexistingChains/);
    expect(bad({ snapshotter: "zfs" })).toThrow(/realNode.snapshotter/);
  });

  it("writes atomically: no temporary file is left behind", () => {
    const file = join(t.dir, "state.json");
    writeState(file, sampleState(t.dir));
    writeState(file, sampleState(t.dir));
    expect(require("node:fs").readdirSync(t.dir)).toEqual(["state.json"]);
    expect(JSON.parse(readFileSync(file, "utf8")).version).toBe(1);
  });

  it("remembers ports across a removed state", () => {
    const file = join(t.dir, "ports.json");
    expect(readRememberedPorts(file)).toBeUndefined();
    writeRememberedPorts(file, ports);
    expect(readRememberedPorts(file)).toEqual(ports);
    writeFileSync(file, JSON.stringify({ apiServer: 70000, etcdClient: 5 }));
    expect(readRememberedPorts(file)).toEqual({ etcdClient: 5 });
  });
});
