import type { PeakRss } from "./peak-rss";
import type { StartupResult } from "./startup";
import type { BenchOptions } from "./args";
import type { LinearFit, Runs } from "./stats";

/** The machine and versions the numbers were taken on. */
export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly kernel: string;
  /**
   * 1-minute load average when the bench started, when each section started and when it ended.
   * Only the first says how busy the machine was before the bench: the others include the
   * bench's own work (a test run keeps both cores busy).
   */
  readonly loadAverage: { readonly start: number; sections: Record<string, number>; end?: number };
  /** Tool name to version (node, npm, pulumi, the provider, kubectl, Kubernetes, kwok, ...). */
  readonly versions: Readonly<Record<string, string>>;
  /** The checkout measured, and whether it had uncommitted changes. */
  readonly commit?: string;
  readonly dirty?: boolean;
}

/** How the program was loaded. */
export type ProgramVariant = "js" | "js-plain" | "ts-node" | "ts-node-transpile-only";

/** Labels of the program variants in tables. */
export const VARIANT_LABELS: Record<ProgramVariant, string> = {
  js: "precompiled JavaScript",
  "js-plain": "the same objects as plain resources (no component), JavaScript",
  "ts-node": "ts-node (type-checks)",
  "ts-node-transpile-only": "ts-node, TS_NODE_TRANSPILE_ONLY=true",
};

/** Program cost of one stack size: milliseconds from process start. */
export interface ProgramRow {
  readonly variant: ProgramVariant;
  readonly n: number;
  /** Resources registered (component, ConfigMap, Deployment, Service, PDB per app, plus the provider). */
  readonly resources: number;
  /** Process start to the last resource registered. */
  readonly totalMs: Runs;
  /** Process start to the program starting to load (node, the Pulumi SDK, ts-node's set-up). */
  readonly bootMs: Runs;
}

/** Cost of one more app: the slope of a line through the medians, and (t(N) − t(1)) / (N − 1) for the largest N. */
export interface PerApp {
  readonly variant: ProgramVariant;
  readonly fit: LinearFit;
  readonly endpointsMs?: number;
}

export interface ProgramResult {
  readonly rows: ProgramRow[];
  readonly perApp: PerApp[];
  readonly targetMsPerApp: number;
}

/** Wall time of the deploy steps for one stack size, in seconds. */
export interface DeployRow {
  readonly n: number;
  /** Pods per app. */
  readonly replicas: number;
  readonly pulumi: { readonly preview: Runs; readonly up: Runs; readonly update: Runs };
  readonly kubectl: { readonly create: Runs; readonly update: Runs };
  /** Median pulumi / median kubectl. */
  readonly ratio: { readonly create: number; readonly update: number };
  /** `--parallel` of pulumi's create and new version (steady-deploy's resolver, or `--parallel`). */
  readonly parallel: { readonly create: number; readonly update: number };
  /** Fewest ready pods of any app during a new version's rollout, over the runs (never below `replicas`, or the section fails). */
  readonly fewestReady: { readonly pulumi: number; readonly kubectl: number };
  /** Peak resident memory (VmHWM) in MiB of the CLI/engine, provider, language host and program, the largest over the runs. */
  readonly peakRssMiB: PeakRss;
}

export interface DeployResult {
  readonly rows: DeployRow[];
  readonly minReadySeconds: number;
  /** Settings of the Pulumi CLI and provider taken from the environment (PULUMI_PARALLEL, PULUMI_K8S_CLIENT_QPS, ...). */
  readonly pulumiEnv: Readonly<Record<string, string>>;
  /** How `--parallel` was chosen, and the provider's client limits (steady-deploy's defaults unless overridden). */
  readonly tuning: { readonly parallel: string; readonly client: string };
  readonly targetRatio: number;
  /** The N the target is about. */
  readonly targetN: number;
}

/** One rollout size, in seconds. */
export interface RolloutRow {
  readonly replicas: number;
  readonly maxSurge: number | string;
  readonly floorSeconds: number;
  readonly duration: Runs;
  /** Median duration / floor. */
  readonly ratio: number;
  /** Fewest Ready pods seen during any run (the desired count is `replicas`). */
  readonly fewestReady: number;
}

export interface RolloutResult {
  readonly rows: RolloutRow[];
  readonly podReadyDelayMs: number;
  readonly minReadySeconds: number;
  readonly targetRatio: number;
}

/** The test suite, in seconds. */
export interface TestsResult {
  /** `npm test -- --unit-only` without the turbo cache (TURBO_FORCE=true). */
  readonly cold?: Runs & { readonly failedRuns: number };
  /** The same with the cache filled by the run before. */
  readonly warm?: Runs & { readonly failedRuns: number };
  /** The integration tier, once (never cached). */
  readonly integration?: { readonly seconds: number; readonly ok: boolean };
  readonly targetWarmSeconds: number;
}

/** Everything one `steady-bench` run measured: the content of results.json. */
export interface BenchResults {
  readonly schemaVersion: 1;
  readonly startedAt: string;
  finishedAt?: string;
  readonly machine: Machine;
  /** The options of the run (sizes, runs, sections, minReadySeconds, --parallel). */
  readonly settings: Omit<BenchOptions, "help" | "out" | "clusterDir" | "keepCluster">;
  program?: ProgramResult;
  deploy?: DeployResult;
  rollout?: RolloutResult;
  tests?: TestsResult;
  startup?: StartupResult;
  /** What the numbers mean, what dominated, what failed: one sentence each. */
  readonly notes: string[];
}
