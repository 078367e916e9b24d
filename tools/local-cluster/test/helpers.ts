import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
export { useTempDir } from "@steady/testing";
import type { ProcessTable } from "../src/host/processes";
import type { RealNodeState } from "../src/real-node/state";

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "steady-local-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * An in-memory process table: pid -> argv. Signals are recorded; SIGTERM/SIGKILL remove the
 * process unless it is listed in `ignoreTerm` (then only SIGKILL does).
 */
export class FakeProcessTable implements ProcessTable {
  readonly signals: { pid: number; signal: NodeJS.Signals }[] = [];
  readonly ignoreTerm = new Set<number>();

  constructor(readonly procs = new Map<number, string[]>()) {}

  cmdline(pid: number): string[] | undefined {
    return this.procs.get(pid);
  }

  kill(pid: number, signal: NodeJS.Signals): boolean {
    if (!this.procs.has(pid)) return false;
    this.signals.push({ pid, signal });
    if (signal === "SIGKILL" || (signal === "SIGTERM" && !this.ignoreTerm.has(pid))) {
      this.procs.delete(pid);
    }
    return true;
  }
}

/** A recorded real node (state.json's realNode) with the given processes. */
export function sampleRealNode(
  processes: RealNodeState["processes"] = {},
  mode: RealNodeState["mode"] = "beside-kwok",
): RealNodeState {
  return {
    mode,
    nodeName: "steady-real-node",
    nodeIp: "10.251.0.1",
    podCidr: "10.251.0.0/24",
    bridge: "steady0",
    cniNetwork: "steady-real-node",
    cgroupRoot: "/steady-real-node",
    snapshotter: "overlayfs",
    ports: { kubelet: 3001, kubeletHealthz: 3002, kubeProxyHealthz: 3003, kubeProxyMetrics: 3004 },
    processes,
    sysctls: [{ key: "net.ipv4.ip_forward", before: "0", after: "1" }],
    createdHostDirs: ["/var/lib/cni"],
    preexistingChains: [],
    nftTablesBefore: [],
    startedAt: "2025-03-01T10:00:00.000Z",
  };
}

/** Ports of a recorded cluster (state.json), small and distinct so a mix-up shows. */
export const SAMPLE_PORTS = {
  etcdClient: 1,
  etcdPeer: 2,
  apiServer: 3,
  controllerManager: 4,
  scheduler: 5,
  kwok: 6,
};

/** The etcd CA and certificate files of a cluster whose PKI lives in `/d/pki`. */
export const SAMPLE_ETCD_PKI = {
  caFile: "/d/pki/etcd-ca.crt",
  serverCertFile: "/d/pki/etcd-server.crt",
  serverKeyFile: "/d/pki/etcd-server.key",
  peerCertFile: "/d/pki/etcd-peer.crt",
  peerKeyFile: "/d/pki/etcd-peer.key",
  clientCertFile: "/d/pki/apiserver-etcd-client.crt",
  clientKeyFile: "/d/pki/apiserver-etcd-client.key",
};
