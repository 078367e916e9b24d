import { availableParallelism } from "node:os";
import { join } from "node:path";
import { UsageError } from "./args";

/**
 * The speed settings of a deploy run, each resolved in {@link resolveDeployTuning} only.
 *
 * Evidence (docs/performance.md, `npm run bench -- --only deploy`, 2 cores): with Pulumi's own
 * `--parallel` (4 × CPUs = 8) and the provider's client limits (QPS 50, burst 120), `up` of 50
 * apps took 3.5× `kubectl apply --server-side` + `rollout status` to create and 2.6× for a new
 * version; `--parallel 64` alone brought the new version to 1.95×, and QPS 500 / burst 1000 on
 * top to 1.5×.
 */
export const DEPLOY_TUNING_DEFAULTS = {
  /**
   * The provider's API client: queries per second. Its own default (50, provider.go of
   * pulumi-kubernetes 4.25.0) throttles an update of a few dozen apps, whose dry-run applies,
   * applies and await reads come in bursts. The API server still protects itself from any one
   * client with API Priority and Fairness (on by default since Kubernetes 1.20), which queues
   * or rejects what is beyond a client's share.
   */
  clientQps: 500,
  /** The provider's API client: burst above the QPS. Its own default is 120. */
  clientBurst: 1000,
  /** Pulumi's own `--parallel` is this × CPUs (GOMAXPROCS); the floor of ours. */
  parallelPerCpu: 4,
} as const;

/**
 * Node.js's on-disk compile cache (22.1 and later; Node.js 20 ignores the variable). The program
 * spends most of its start loading @pulumi/pulumi, which loads the TypeScript compiler among
 * 1,270 modules: `require("@pulumi/kubernetes")` took 0.85-1.4 s cold and 0.58-0.69 s with the
 * cache warm on Node.js 22.23.5 and 24.22.3 (docs/performance.md). V8 keys each entry by the
 * file's content and its own version, so a changed file or Node.js is compiled afresh.
 */
export const COMPILE_CACHE_ENV = "NODE_COMPILE_CACHE";

/** The provider's environment variables for its client limits (read by pulumi-kubernetes 4.25.0). */
export const CLIENT_QPS_ENV = "PULUMI_K8S_CLIENT_QPS";
export const CLIENT_BURST_ENV = "PULUMI_K8S_CLIENT_BURST";

/** What a run goes with: `--parallel`, the provider's client limits and why each was chosen. */
export interface DeployTuning {
  /** `pulumi preview/up --parallel`. */
  readonly parallel: number;
  /** Where {@link parallel} comes from, for the run's report. */
  readonly parallelFrom: string;
  /** Variables to add to the CLI's environment (its provider plugins inherit them); none set by the user is overridden. */
  readonly env: Readonly<Record<string, string>>;
  readonly clientQps: number;
  readonly clientBurst: number;
  /** Where the client limits come from, for the run's report. */
  readonly clientFrom: string;
}

/** Inputs of {@link resolveDeployTuning}. */
export interface TuningInputs {
  /** `--parallel N` as the user gave it. */
  readonly parallel?: number;
  /**
   * Resources the operation will step through: the guarded preview's count for an up, the
   * state's count for a preview. @default - unknown: Pulumi's default of 4 × CPUs
   */
  readonly resources?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly cpus?: number;
  /**
   * The run's state directory: the program's Node.js compile cache goes to its
   * `node-compile-cache/`, unless the user set NODE_COMPILE_CACHE or NODE_DISABLE_COMPILE_CACHE.
   * @default - no compile cache
   */
  readonly stateDir?: string;
}

/** `--parallel`'s value: a whole number from 1 to 100000; throws UsageError naming the input. */
export function parseParallel(raw: string, input = "--parallel"): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100000)
    throw new UsageError(
      `${input} ${JSON.stringify(raw)} is not valid: expected a whole number from 1 to 100000 (resource operations Pulumi runs at once)`,
    );
  return Number(raw);
}

/**
 * The one place that decides `--parallel` and the provider's client limits of a run.
 *
 * `--parallel`: the user's `--parallel N`, else PULUMI_PARALLEL, else the number of resources
 * the operation steps through, but never below Pulumi's default (4 × CPUs). Why as many as the
 * resources: Pulumi's `--parallel` is a semaphore over resource steps, and the provider holds a
 * Deployment's step for its whole rollout, so with 8 slots 50 rollouts ran 8 at a time, while
 * kubectl lets them all run at once. With a slot for every resource no step waits for a slot:
 * the update takes as long as its longest dependency chain. That costs an idle goroutine per
 * waiting step in the engine and the provider (peak memory: docs/performance.md); the load on
 * the API server stays bounded by the client limits below, not by `--parallel`.
 *
 * Client limits: PULUMI_K8S_CLIENT_QPS / _BURST when the user set them (each on its own), else
 * {@link DEPLOY_TUNING_DEFAULTS}. Throws UsageError, naming every bad value at once, when
 * PULUMI_PARALLEL or a client limit is not a positive number.
 */
export function resolveDeployTuning(i: TuningInputs = {}): DeployTuning {
  const env = i.env ?? process.env;
  const cpus = i.cpus ?? availableParallelism();
  const problems: string[] = [];
  const positive = (name: string, int: boolean): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const v = Number(raw);
    if (!(v > 0) || (int && !Number.isInteger(v))) {
      problems.push(
        `${name}=${JSON.stringify(raw)}: expected a positive ${int ? "whole " : ""}number`,
      );
      return undefined;
    }
    return v;
  };
  const envParallel = positive("PULUMI_PARALLEL", true);
  const qps = positive(CLIENT_QPS_ENV, false);
  const burst = positive(CLIENT_BURST_ENV, true);
  if (problems.length)
    throw new UsageError(`bad tuning in the environment: ${problems.join("; ")}`);
  const floor = DEPLOY_TUNING_DEFAULTS.parallelPerCpu * cpus;
  const [parallel, parallelFrom] =
    i.parallel !== undefined
      ? [i.parallel, "--parallel"]
      : envParallel !== undefined
        ? [envParallel, "PULUMI_PARALLEL"]
        : i.resources !== undefined && i.resources > floor
          ? [i.resources, `one per resource: ${i.resources}`]
          : [
              floor,
              `Pulumi's default, ${DEPLOY_TUNING_DEFAULTS.parallelPerCpu} × ${cpus} CPUs${i.resources !== undefined ? `, for ${i.resources} resources` : ""}`,
            ];
  const out: Record<string, string> = {};
  if (qps === undefined) out[CLIENT_QPS_ENV] = String(DEPLOY_TUNING_DEFAULTS.clientQps);
  if (burst === undefined) out[CLIENT_BURST_ENV] = String(DEPLOY_TUNING_DEFAULTS.clientBurst);
  const cacheChosen = env[COMPILE_CACHE_ENV] !== undefined || env.NODE_DISABLE_COMPILE_CACHE;
  if (i.stateDir !== undefined && !cacheChosen)
    out[COMPILE_CACHE_ENV] = join(i.stateDir, "node-compile-cache");
  const given = [
    qps !== undefined ? CLIENT_QPS_ENV : "",
    burst !== undefined ? CLIENT_BURST_ENV : "",
  ].filter(Boolean);
  return {
    parallel,
    parallelFrom,
    env: out,
    clientQps: qps ?? DEPLOY_TUNING_DEFAULTS.clientQps,
    clientBurst: burst ?? DEPLOY_TUNING_DEFAULTS.clientBurst,
    clientFrom: given.length ? `from ${given.join(" and ")}` : "steady-deploy's defaults",
  };
}

/** `parallel 252 (one per resource: 252); provider client QPS 500, burst 1000 (steady-deploy's defaults)`. */
export function formatTuning(t: DeployTuning): string {
  return `parallel ${t.parallel} (${t.parallelFrom}); provider client QPS ${t.clientQps}, burst ${t.clientBurst} (${t.clientFrom})`;
}

/** Resources an operation steps through, from a preview's change summary (`same` included). */
export function resourcesInChanges(changes: Readonly<Record<string, number>>): number {
  return Object.values(changes).reduce((sum, n) => sum + (n > 0 ? n : 0), 0);
}

/** Resources in an exported state (`deployment.resources`), 0 for a stack never deployed. */
export function resourcesInState(state: unknown): number {
  return (state as { deployment?: { resources?: unknown[] } })?.deployment?.resources?.length ?? 0;
}
