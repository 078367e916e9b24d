import type { SecurityPosture } from "./control-plane/security";
import type { ComponentName } from "./paths";
import type { AuthMode } from "./pki/pki";
import type { PortChange } from "./host/ports";
import type { ProcessTable, StoppedResult } from "./host/processes";
import type { NodeComponentName, NodePorts, RealNodeMode } from "./real-node/spec";
import type { Liveness } from "./control-plane/stale";

export interface ClusterOptions {
  /** Data directory; default `$STEADY_CLUSTER_DIR` or `<repo root>/.steady/cluster`. */
  dir?: string;
  /** Progress lines (the CLI prints them); silent by default. */
  log?: (line: string) => void;
  /** Environment for binary lookup and the components (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The process table (tests inject a fake one). */
  processTable?: ProcessTable;
}

export interface StartOptions extends ClusterOptions {
  /** Authentication for a new data directory; an existing one keeps its own. */
  auth?: AuthMode;
  /** Readiness deadline of each component in ms (default: etcd 30 s, others 120 s). */
  timeoutMs?: number;
  /**
   * Also run a real node (containerd, kubelet, kube-proxy; needs root): "beside-kwok" next to the
   * simulated nodes, or "only" as the cluster's only node (kwok is not started). Undefined keeps
   * what the cluster has (a restarted cluster gets its real node back); a new cluster has none.
   */
  realNode?: RealNodeMode;
  /**
   * How many real nodes (with `realNode`; default 1, at most MAX_REAL_NODES). Node 2 has its own
   * containerd, kubelet, pod range, bridge and cgroup root; kube-proxy runs once.
   */
  realNodes?: number;
}

export interface StopOptions extends ClusterOptions {
  /** Also delete the data directory (and only it). */
  purge?: boolean;
}

export interface ComponentInfo {
  readonly name: ComponentName;
  readonly pid: number;
  readonly port: number;
  readonly log: string;
  readonly argv: readonly string[];
}

/** One process of the real node. */
export interface NodeComponentInfo {
  readonly name: NodeComponentName;
  readonly pid: number;
  /** kubelet: its API port; kube-proxy: its health port; containerd: 0 (a unix socket). */
  readonly port: number;
  readonly log: string;
  readonly argv: readonly string[];
}

/** The real node of a cluster (`up --real-node`). */
export interface RealNodeInfo {
  readonly name: string;
  readonly mode: RealNodeMode;
  /** "started" by this call, or found "already-running". */
  readonly outcome: "started" | "already-running";
  /** The node's InternalIP: the bridge's address, the pods' gateway. */
  readonly nodeIp: string;
  readonly podCidr: string;
  readonly bridge: string;
  readonly ports: NodePorts;
  readonly components: readonly NodeComponentInfo[];
  /** containerd's socket, for `ctr --address <socket> --namespace k8s.io images import ...`. */
  readonly containerdSocket: string;
}

export interface ClusterInfo {
  readonly dataDir: string;
  /** Admin kubeconfig (mode 0600). */
  readonly kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  readonly apiServerUrl: string;
  readonly components: readonly ComponentInfo[];
  /** "already-running": nothing was started; "restarted": a stale cluster was started again. */
  readonly outcome: "started" | "already-running" | "restarted";
  /** Remembered ports that were taken and replaced. */
  readonly portChanges: readonly PortChange[];
  /** Wall time of this call in ms. */
  readonly elapsedMs: number;
  /** The real node, when the cluster has one. */
  readonly realNode?: RealNodeInfo;
  /** Real nodes 2..N (`up --real-nodes N`). */
  readonly extraRealNodes?: readonly RealNodeInfo[];
}

export interface StoppedComponent {
  readonly name: ComponentName;
  readonly pid: number;
  /** "stopped" (SIGTERM), "killed" (SIGKILL after 10 s), "not-running", "not-ours" (left alone). */
  readonly result: StoppedResult;
}

export interface StopResult {
  readonly dataDir: string;
  /** True when there was no state.json: nothing to stop. */
  readonly nothingRunning: boolean;
  readonly components: readonly StoppedComponent[];
  readonly purged: boolean;
  readonly elapsedMs: number;
  /** What was left of the real node and could not be removed (one line each); [] when clean. */
  readonly realNodeLeftovers?: readonly string[];
}

export interface ComponentStatus {
  readonly name: ComponentName | NodeComponentName;
  readonly pid?: number;
  readonly port?: number;
  readonly liveness: Liveness;
  readonly ready: boolean;
  /** Why it is not ready, when it is not. */
  readonly detail?: string;
  /** Resident memory in KiB. */
  readonly rssKiB?: number;
}

export interface ClusterStatus {
  readonly dataDir: string;
  /** False when there is no state.json (never started, or stopped). */
  readonly started: boolean;
  readonly kubeconfigPath: string;
  readonly apiServerUrl?: string;
  readonly components: readonly ComponentStatus[];
  /** From the API: all Node objects, and those whose Ready condition is True. */
  readonly nodes?: { readonly total: number; readonly ready: number };
  /** The real node, when the cluster has one. */
  readonly realNode?: RealNodeStatus;
  /** Real nodes 2..N (`up --real-nodes N`). */
  readonly extraRealNodes?: readonly RealNodeStatus[];
  /**
   * The security posture in one line, from the recorded command lines: etcd's TLS and client
   * authentication, kube-apiserver's authorization modes and admission plugins (see security.ts).
   */
  readonly security?: string;
  /** The posture as fields. */
  readonly securityPosture?: SecurityPosture;
  readonly healthy: boolean;
}

/** How the real node is doing. */
export interface RealNodeStatus {
  readonly name: string;
  readonly mode: RealNodeMode;
  /** The Node's Ready condition is True (false when the API does not answer). */
  readonly ready: boolean;
  /** The Ready condition's reason and message when not Ready. */
  readonly detail?: string;
  readonly nodeIp: string;
  readonly podCidr: string;
  readonly bridge: string;
  /** containerd, kubelet and kube-proxy: pid, liveness, health, memory. */
  readonly components: readonly ComponentStatus[];
}
