import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import {
  formatTuning,
  resolveDeployTuning,
  resourcesInChanges,
  type DeployTuning,
} from "@steady/deploy";
import { pulumiCommand, pulumiEnv } from "@steady/deployer";
import { APP_DEFAULTS } from "@steady/deployment";
import { spawn } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, relative } from "node:path";
import { performance } from "node:perf_hooks";
import * as yaml from "js-yaml";
import {
  createNamespace,
  deleteNamespace,
  FIELD_MANAGER,
  runId,
  type BenchCluster,
} from "./cluster";
import { mockRun, PACKAGE_ROOT, programConfig } from "./program-cost";
import { BENCH_PROJECT } from "./program/config";
import { samplePeakRss, type PeakRss } from "./peak-rss";
import { withReadyFloor } from "./ready-floor";
import type { DeployResult, DeployRow } from "./results";
import { ratio, summarize } from "./stats";

const seconds = (t0: number) => (performance.now() - t0) / 1000;

/** Runs a command to completion; its output goes to `logFile`; rejects on a non-zero exit. */
export function runLogged(
  cmd: string,
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; logFile: string; cwd?: string },
): Promise<void> {
  appendFileSync(opts.logFile, `\n$ ${cmd} ${args.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
    });
    let tail = "";
    const keep = (d: Buffer) => {
      appendFileSync(opts.logFile, d);
      tail = (tail + d.toString()).slice(-2000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`${cmd} ${args.join(" ")} exited with ${code}:\n${tail}`)),
    );
  });
}

/** The environment for the Pulumi CLI and kubectl: the toolchain first on PATH, the bench's file backend. */
export function benchEnv(out: string, kubeconfig: string): Record<string, string> {
  const backend = join(out, "pulumi-state");
  mkdirSync(backend, { recursive: true });
  return { ...pulumiEnv({ kubeconfig }), PULUMI_BACKEND_URL: `file://${backend}` };
}

/**
 * Opens a new stack of the bench program (compiled, `dist/program/index.js`) in a work
 * directory under `<out>/work`, with the toolchain's CLI and the bench's file backend.
 */
export async function openBenchStack(
  out: string,
  stackName: string,
  kubeconfig: string,
  config: Record<string, string>,
): Promise<Stack> {
  const work = join(out, "work", stackName);
  mkdirSync(work, { recursive: true });
  const main = relative(work, join(PACKAGE_ROOT, "dist", "program", "index.js"));
  writeFileSync(
    join(work, "Pulumi.yaml"),
    yaml.dump({
      name: BENCH_PROJECT,
      description: "steady-bench: N AppDeployments",
      runtime: { name: "nodejs", options: { typescript: false } },
      main,
    }),
  );
  writeFileSync(
    join(work, `Pulumi.${stackName}.yaml`),
    yaml.dump({
      config: Object.fromEntries(
        Object.entries(config).map(([k, v]) => [`${BENCH_PROJECT}:${k}`, v]),
      ),
    }),
  );
  return LocalWorkspace.createOrSelectStack(
    { stackName: `organization/${BENCH_PROJECT}/${stackName}`, workDir: work },
    { pulumiCommand: await pulumiCommand(), envVars: benchEnv(out, kubeconfig) },
  );
}

/** Environment variables that change how fast the Pulumi CLI or the provider go, when set. */
export const TUNING_ENV = [
  "PULUMI_PARALLEL",
  "PULUMI_K8S_CLIENT_QPS",
  "PULUMI_K8S_CLIENT_BURST",
  "PULUMI_K8S_AWAIT_ALL",
  "PULUMI_SKIP_CHECKPOINTS",
] as const;

/** The {@link TUNING_ENV} variables that are set, so results say what they were taken with. */
export function tuningEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return Object.fromEntries(
    TUNING_ENV.flatMap((k) => (env[k] !== undefined && env[k] !== "" ? [[k, env[k]!]] : [])),
  );
}

/** Deployment names in a rendered manifest list. */
export function deploymentNames(list: {
  items: { kind?: string; metadata?: { name?: string } }[];
}): string[] {
  return list.items.filter((o) => o.kind === "Deployment").map((o) => o.metadata!.name!);
}

interface PulumiTimes {
  preview: number;
  up: number;
  update: number;
  /** `--parallel` of the create and of the new version, as steady-deploy resolves it. */
  parallel: { create: number; update: number };
  /** Fewest ready pods of any app during the new version's rollout. */
  fewestReady: number;
  peakRss: PeakRss;
}

/** steady-deploy's tuning (@steady/deploy's resolver, not a copy) for `resources`, or `--parallel`. */
export function benchTuning(parallel: number | undefined, resources: number): DeployTuning {
  return resolveDeployTuning({ ...(parallel !== undefined ? { parallel } : {}), resources });
}

/** One pulumi run: preview, up (create), up (every app a new version); seconds each. */
async function pulumiRun(
  cluster: BenchCluster,
  out: string,
  n: number,
  opts: { replicas: number; minReadySeconds: number; parallel?: number; logFile: string },
): Promise<PulumiTimes> {
  const id = runId();
  const ns = `bench-pulumi-${n}-${id}`;
  const stackName = `n${n}-${id}`;
  await createNamespace(cluster.client, ns);
  const stack = await openBenchStack(
    out,
    stackName,
    cluster.kubeconfig,
    programConfig(n, {
      namespace: ns,
      replicas: opts.replicas,
      minReadySeconds: opts.minReadySeconds,
    }),
  );
  const onOutput = (s: string) => appendFileSync(opts.logFile, s);
  const note = (line: string) => appendFileSync(opts.logFile, `\n== ${line}\n`);
  // As steady-deploy: the preview sized by the state (empty), each up by the resources it steps through.
  const first = benchTuning(opts.parallel, 0);
  Object.assign(stack.workspace.envVars, first.env);
  try {
    note(`pulumi preview ${stackName}: ${formatTuning(first)}`);
    let t0 = performance.now();
    const previewed = await stack.preview({ onOutput, parallel: first.parallel });
    const preview = seconds(t0);

    const create = benchTuning(opts.parallel, resourcesInChanges(previewed.changeSummary));
    note(`pulumi up ${stackName} (create): ${formatTuning(create)}`);
    const stopRss = samplePeakRss();
    t0 = performance.now();
    const created = await stack.up({ onOutput, parallel: create.parallel });
    const up = seconds(t0);
    const expected = n * 5 + 2; // component, ConfigMap, Deployment, Service, PDB; stack, provider
    if ((created.summary.resourceChanges?.create ?? 0) !== expected) {
      throw new Error(
        `pulumi up created ${created.summary.resourceChanges?.create} resources, expected ${expected}`,
      );
    }

    await stack.setConfig(`${BENCH_PROJECT}:version`, { value: "v2" });
    const next = benchTuning(
      opts.parallel,
      resourcesInChanges(created.summary.resourceChanges ?? {}),
    );
    note(`pulumi up ${stackName} (new version): ${formatTuning(next)}`);
    t0 = performance.now();
    const { result: updated, fewestReady } = await withReadyFloor(
      cluster.client,
      ns,
      opts.replicas,
      `pulumi up of ${n} apps`,
      () => stack.up({ onOutput, parallel: next.parallel }),
    );
    const update = seconds(t0);
    const peakRss = stopRss();
    if ((updated.summary.resourceChanges?.update ?? 0) !== n) {
      throw new Error(
        `pulumi up of the new version updated ${updated.summary.resourceChanges?.update} resources, expected ${n} Deployments`,
      );
    }
    const parallel = { create: create.parallel, update: next.parallel };
    return { preview, up, update, parallel, fewestReady, peakRss };
  } finally {
    // Cleanup is not measured: the namespace takes every object with it, then the state goes.
    await deleteNamespace(cluster.client, ns);
    await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
    rmSync(stack.workspace.workDir, { recursive: true, force: true });
  }
}

interface KubectlTimes {
  create: number;
  update: number;
  /** Fewest ready pods of any app during the new version's rollout. */
  fewestReady: number;
}

/** One kubectl run: apply + rollout status of each Deployment, then the same for the new version. */
async function kubectlRun(
  cluster: BenchCluster,
  out: string,
  n: number,
  opts: { replicas: number; minReadySeconds: number; logFile: string },
): Promise<KubectlTimes> {
  const ns = `bench-kubectl-${n}-${runId()}`;
  const dir = join(out, "work", ns);
  mkdirSync(dir, { recursive: true });
  const files = { v1: join(dir, "v1.json"), v2: join(dir, "v2.json") };
  // The same objects the program registers (under mocks, auto-named), rendered before the clock starts.
  for (const version of ["v1", "v2"] as const) {
    await mockRun(
      programConfig(n, {
        namespace: ns,
        version,
        replicas: opts.replicas,
        minReadySeconds: opts.minReadySeconds,
      }),
      { manifests: files[version] },
    );
  }
  const names = deploymentNames(JSON.parse(readFileSync(files.v1, "utf8")));
  const env = { ...process.env, ...benchEnv(out, cluster.kubeconfig) };
  const kubectl = (args: string[]) => runLogged("kubectl", args, { env, logFile: opts.logFile });
  const applyAndWait = async (file: string) => {
    const t0 = performance.now();
    await kubectl([
      "apply",
      "--server-side",
      `--field-manager=${FIELD_MANAGER}-kubectl`,
      "-f",
      file,
    ]);
    for (const name of names) {
      await kubectl(["rollout", "status", `deployment/${name}`, "-n", ns, "--timeout=15m"]);
    }
    return seconds(t0);
  };
  await createNamespace(cluster.client, ns);
  try {
    const create = await applyAndWait(files.v1);
    const { result: update, fewestReady } = await withReadyFloor(
      cluster.client,
      ns,
      opts.replicas,
      `kubectl apply of ${n} apps`,
      () => applyAndWait(files.v2),
    );
    return { create, update, fewestReady };
  } finally {
    await deleteNamespace(cluster.client, ns);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The provider's client limits of a tuning, and where they come from. */
function clientLimits(t: DeployTuning): string {
  return `provider client QPS ${t.clientQps}, burst ${t.clientBurst} (${t.clientFrom})`;
}

/** The largest of each process kind's peak over the runs. */
function maxRss(runs: readonly PeakRss[]): PeakRss {
  const keys = Object.keys(runs[0]!) as (keyof PeakRss)[];
  return Object.fromEntries(keys.map((k) => [k, Math.max(...runs.map((r) => r[k]))])) as PeakRss;
}

/**
 * The deploy section: for each N, `runs` times a pulumi run (preview, create, new version) and
 * a kubectl run of the same objects, each in a fresh namespace that is deleted afterwards.
 */
export async function measureDeploy(
  cluster: BenchCluster,
  opts: {
    out: string;
    ns: readonly number[];
    runs: number;
    minReadySeconds: number;
    parallel?: number;
    log: (line: string) => void;
  },
): Promise<DeployResult> {
  const replicas = APP_DEFAULTS.replicas;
  const logDir = join(opts.out, "logs");
  mkdirSync(logDir, { recursive: true });
  const rows: DeployRow[] = [];
  for (const n of opts.ns) {
    const p: PulumiTimes[] = [];
    const k: KubectlTimes[] = [];
    for (let run = 1; run <= opts.runs; run++) {
      const logFile = join(logDir, `deploy-n${n}-run${run}.log`);
      writeFileSync(logFile, "");
      const common = { replicas, minReadySeconds: opts.minReadySeconds, logFile };
      const pr = await pulumiRun(cluster, opts.out, n, {
        ...common,
        ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
      });
      p.push(pr);
      opts.log(
        `deploy N=${n} run ${run}/${opts.runs}: pulumi preview ${pr.preview.toFixed(1)} s, up ${pr.up.toFixed(1)} s (--parallel ${pr.parallel.create}), new version ${pr.update.toFixed(1)} s (--parallel ${pr.parallel.update}, fewest ready ${pr.fewestReady}); peak RSS MiB ${JSON.stringify(pr.peakRss)}; load ${loadavg()[0]!.toFixed(2)}`,
      );
      const kr = await kubectlRun(cluster, opts.out, n, common);
      k.push(kr);
      opts.log(
        `deploy N=${n} run ${run}/${opts.runs}: kubectl create ${kr.create.toFixed(1)} s, new version ${kr.update.toFixed(1)} s (fewest ready ${kr.fewestReady}); load ${loadavg()[0]!.toFixed(2)}`,
      );
    }
    const pulumi = {
      preview: summarize(p.map((x) => x.preview)),
      up: summarize(p.map((x) => x.up)),
      update: summarize(p.map((x) => x.update)),
    };
    const kubectl = {
      create: summarize(k.map((x) => x.create)),
      update: summarize(k.map((x) => x.update)),
    };
    rows.push({
      n,
      replicas,
      pulumi,
      kubectl,
      ratio: {
        create: ratio(pulumi.up.median, kubectl.create.median),
        update: ratio(pulumi.update.median, kubectl.update.median),
      },
      parallel: p[0]!.parallel,
      fewestReady: {
        pulumi: Math.min(...p.map((x) => x.fewestReady)),
        kubectl: Math.min(...k.map((x) => x.fewestReady)),
      },
      peakRssMiB: maxRss(p.map((x) => x.peakRss)),
    });
  }
  return {
    rows,
    minReadySeconds: opts.minReadySeconds,
    pulumiEnv: tuningEnv(),
    tuning: {
      parallel:
        opts.parallel !== undefined
          ? `--parallel ${opts.parallel}`
          : "steady-deploy's default: one per resource, at least 4 × CPUs",
      client: clientLimits(benchTuning(opts.parallel, 0)),
    },
    targetRatio: 1.5,
    targetN: 50,
  };
}
