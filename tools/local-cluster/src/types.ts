import type { ComponentName } from "./paths";
import type { AuthMode } from "./pki";
import type { PortChange } from "./ports";
import type { ProcessTable } from "./processes";
import type { Liveness } from "./stale";

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
}

export interface StoppedComponent {
  readonly name: ComponentName;
  readonly pid: number;
  /** "stopped" (SIGTERM), "killed" (SIGKILL after 10 s), "not-running", "not-ours" (left alone). */
  readonly result: "stopped" | "killed" | "not-running" | "not-ours";
}

export interface StopResult {
  readonly dataDir: string;
  /** True when there was no state.json: nothing to stop. */
  readonly nothingRunning: boolean;
  readonly components: readonly StoppedComponent[];
  readonly purged: boolean;
  readonly elapsedMs: number;
}

export interface ComponentStatus {
  readonly name: ComponentName;
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
  readonly healthy: boolean;
}
