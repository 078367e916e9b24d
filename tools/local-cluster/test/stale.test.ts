import {
  assess,
  checkComponents,
  describeDown,
  expectedComponents,
} from "../src/control-plane/stale";
import type { ClusterState } from "../src/control-plane/state";
import type { LaunchedProcess } from "../src/host/processes";
import { FakeProcessTable, sampleRealNode, SAMPLE_PORTS } from "./helpers";

const rec = (pid: number, bin: string): LaunchedProcess => ({
  pid,
  argv: [`/tc/bin/${bin}`, `--flag-of=${bin}`],
  port: 1000 + pid,
  log: `/d/logs/${bin}.log`,
  startedAt: "2025-03-01T10:00:00.000Z",
});

function state(components: ClusterState["components"]): ClusterState {
  return {
    version: 1,
    dataDir: "/d",
    auth: "certs",
    ports: SAMPLE_PORTS,
    startedAt: "2025-03-01T10:00:00.000Z",
    components,
  };
}

const all = state({
  etcd: rec(11, "etcd"),
  "kube-apiserver": rec(12, "kube-apiserver"),
  "kube-controller-manager": rec(13, "kube-controller-manager"),
  "kube-scheduler": rec(14, "kube-scheduler"),
  kwok: rec(15, "kwok"),
});

function tableWith(...pids: number[]): FakeProcessTable {
  const t = new FakeProcessTable();
  for (const c of Object.values(all.components)) {
    if (pids.includes(c.pid)) t.procs.set(c.pid, [...c.argv]);
  }
  return t;
}

describe("stale detection", () => {
  it("every recorded process alive with its command line: running", () => {
    const v = assess(all, tableWith(11, 12, 13, 14, 15));
    expect(v.kind).toBe("running");
  });

  it("dead processes are reported; the live ones are survivors to stop", () => {
    const v = assess(all, tableWith(11, 12, 13));
    expect(v.kind).toBe("stale");
    if (v.kind !== "stale") return;
    expect(v.down.map((c) => [c.name, c.liveness])).toEqual([
      ["kube-scheduler", "dead"],
      ["kwok", "dead"],
    ]);
    expect(v.survivors.map((c) => c.name)).toEqual([
      "etcd",
      "kube-apiserver",
      "kube-controller-manager",
    ]);
  });

  it("a recycled pid (other command line) is down, and never a survivor", () => {
    const table = tableWith(11, 13, 14, 15);
    table.procs.set(12, ["/usr/bin/python3", "server.py"]);
    const v = assess(all, table);
    expect(v.kind).toBe("stale");
    if (v.kind !== "stale") return;
    expect(v.down).toHaveLength(1);
    expect(v.down[0]).toMatchObject({
      name: "kube-apiserver",
      liveness: "pid-reused",
      foreignCmdline: ["/usr/bin/python3", "server.py"],
    });
    expect(v.survivors.map((c) => c.name)).not.toContain("kube-apiserver");
  });

  it("a start interrupted half-way: the unrecorded components are not-started", () => {
    const half = state({ etcd: rec(11, "etcd"), "kube-apiserver": rec(12, "kube-apiserver") });
    const checks = checkComponents(half, tableWith(11));
    expect(checks.map((c) => c.liveness)).toEqual([
      "running",
      "dead",
      "not-started",
      "not-started",
      "not-started",
    ]);
  });

  it("after a reboot nothing is running", () => {
    const v = assess(all, new FakeProcessTable());
    expect(v.kind === "stale" && v.survivors).toEqual([]);
  });
});

describe("stale detection with a real node", () => {
  const node = {
    containerd: rec(21, "containerd"),
    kubelet: rec(22, "kubelet"),
    "kube-proxy": rec(23, "kube-proxy"),
  };
  const withNode = { ...all, realNode: sampleRealNode(node) };
  const table = (...dead: number[]) => {
    const t = tableWith(11, 12, 13, 14, 15);
    for (const r of Object.values(node)) if (!dead.includes(r.pid)) t.procs.set(r.pid, [...r.argv]);
    return t;
  };

  it("checks the node's processes after the control plane", () => {
    expect(checkComponents(withNode, table()).map((c) => `${c.name}:${c.liveness}`)).toEqual([
      "etcd:running",
      "kube-apiserver:running",
      "kube-controller-manager:running",
      "kube-scheduler:running",
      "kwok:running",
      "containerd:running",
      "kubelet:running",
      "kube-proxy:running",
    ]);
    expect(assess(withNode, table()).kind).toBe("running");
  });

  it("a dead kubelet makes the cluster stale", () => {
    const v = assess(withNode, table(22));
    expect(v.kind === "stale" && v.down.map((c) => c.name)).toEqual(["kubelet"]);
  });

  it("a start cut short after the node was recorded: its processes are not-started", () => {
    const v = assess(
      { ...all, realNode: sampleRealNode({ containerd: node.containerd }) },
      table(),
    );
    expect(v.kind === "stale" && v.down.map((c) => `${c.name}:${c.liveness}`)).toEqual([
      "kubelet:not-started",
      "kube-proxy:not-started",
    ]);
  });

  it("a real-node-only cluster does not expect kwok", () => {
    const only = { ...all, components: { ...all.components, kwok: undefined } };
    const state = { ...only, realNode: sampleRealNode(node, "only") };
    expect(expectedComponents(state)).not.toContain("kwok");
    expect(expectedComponents({})).toContain("kwok");
    expect(assess(state, table()).kind).toBe("running");
  });
});

describe("describeDown", () => {
  const dead = { name: "kwok" as const, liveness: "dead" as const, record: rec(15, "kwok") };

  it("names the component, pid and start time", () => {
    expect(describeDown(dead)).toBe(
      "kwok: not running — pid 15 is gone; started 2025-03-01T10:00:00.000Z",
    );
  });

  it("dates the death by a later reboot", () => {
    const line = describeDown(dead, {
      bootTime: new Date("2025-03-02T08:00:00Z"),
      logModified: new Date("2025-03-01T23:00:00Z"),
    });
    expect(line).toMatch(/the machine rebooted at 2025-03-02T08:00:00.000Z/);
    expect(line).not.toMatch(/last log output/);
  });

  it("otherwise by the last log output", () => {
    const line = describeDown(dead, {
      bootTime: new Date("2025-02-01T00:00:00Z"),
      logModified: new Date("2025-03-01T11:30:00Z"),
    });
    expect(line).toMatch(/last log output 2025-03-01T11:30:00.000Z/);
  });

  it("says when a pid now belongs to another program", () => {
    const line = describeDown({ ...dead, liveness: "pid-reused", foreignCmdline: ["nginx"] });
    expect(line).toMatch(/pid 15 now belongs to another program \(nginx\)/);
  });

  it("says which components never started", () => {
    expect(describeDown({ name: "kwok", liveness: "not-started" })).toMatch(/never started/);
  });
});
