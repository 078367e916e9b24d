import type { Stack } from "@pulumi/pulumi/automation";
import { buildImage, importImage } from "@steady/image";
import {
  EXIT,
  KubeClient,
  formatReport,
  runDeploy,
  stackLocks,
  type RolloutReport,
  type RunTarget,
} from "@steady/deploy";
import { startCluster } from "@steady/local-cluster";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { formatLoadSummary } from "./load";
import { repoRoot, stateDir } from "./paths";
import { openRepoTarget, type RepoProject } from "./repo-target";
import { openStack } from "./stack-runner";
import { chooseTarget, type Target } from "./target";
import { REAL_NODE_PLACEMENT, rollOutUnderLoad, serviceUrl } from "./under-load";
import { PROJECTS } from "./workspace";

const say = (line: string) => console.log(`\n==> ${line}`);

/**
 * Runs `pulumi up --refresh` with Pulumi's own progress display on the terminal (the real-node
 * demo's ups). The refresh matters on the local cluster: after `steady-local down --purge` (or a cluster that was
 * replaced) the stack's state still lists objects the new cluster does not have, and an up
 * without it would try to update them instead of creating them again.
 */
async function up(stack: Stack): Promise<Record<string, unknown>> {
  const result = await stack.up({
    onOutput: (s) => process.stdout.write(s),
    color: "auto",
    refresh: true,
  });
  return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
}

/** One `pulumi up` of the demo: a stack of the repo and the config it deploys with. */
export interface DemoStep {
  /** What the step deploys, as its heading prints it. */
  readonly title: string;
  readonly project: RepoProject;
  /** Config over the committed Pulumi.<env>.yaml. */
  readonly config: Readonly<Record<string, string>>;
}

/** The demo's deploys, in order: the platform, v1 of the app, then v2 rolled out over it. */
export function demoSteps(env: string): DemoStep[] {
  return [
    { title: `steady-platform/${env}`, project: "platform", config: {} },
    {
      title: `steady-app/${env} (v1)`,
      project: "app",
      config: { version: "v1", image: "steady/hello:1.0.0" },
    },
    {
      title: `steady-app/${env} rolls out v2`,
      project: "app",
      config: { version: "v2", image: "steady/hello:2.0.0" },
    },
  ];
}

/**
 * The main job: pick the cluster (the embedded local one unless KUBECONFIG reaches another),
 * then each of {@link demoSteps} as `steady-repo-deploy up` runs it (runDeploy: the guard, the
 * pre-flight with the lock check and the refresh of a stale state, the speed tuning, the rollout
 * reports and the outage bound), and what happened. Resolves to the exit code: the first step
 * that does not succeed ends the demo with its code, after runDeploy said why and what to run.
 */
export async function demo(opts: { env?: string } = {}): Promise<number> {
  const env = opts.env ?? "dev";
  const started = Date.now();
  say("cluster");
  const target = await chooseTarget((line) => console.log(`    ${line}`));
  try {
    const clusterCreated = await clusterCreatedAt(target.client);
    let rolledOutFrom = 0;
    for (const step of demoSteps(env)) {
      say(`pulumi up: ${step.title}`);
      rolledOutFrom = Date.now();
      const code = await runDeploy(() => openDemoTarget(target, env, step, clusterCreated), {
        command: "up",
        stackName: `organization/${PROJECTS[step.project].name}/${env}`,
        allow: [],
      });
      if (code !== EXIT.ok) return code;
    }
    return await whatHappened(target, env, started, rolledOutFrom);
  } finally {
    target.client.close();
  }
}

/**
 * Opens a step's stack for runDeploy. When the stack was last changed before the cluster was
 * created (`steady-local down --purge`, or a cluster replaced by another), its state lists
 * objects the cluster does not have, and an up would see no change and create nothing: the
 * state is refreshed from the cluster first. A locked stack is left to runDeploy, which names
 * the holder and the recover command.
 */
async function openDemoTarget(
  target: Target,
  env: string,
  step: DemoStep,
  clusterCreated: Date,
): Promise<RunTarget> {
  const t = await openRepoTarget(
    step.project,
    { env, config: step.config, kubeconfig: target.kubeconfig },
    (line) => console.log(`    ${line}`),
  );
  const [last] = await t.stack.history(1, 1, false);
  const locked = (stackLocks(t.stack.name, t.backendUrl) ?? []).length > 0;
  if (!locked && stateOlderThanCluster(last?.endTime, clusterCreated)) {
    console.log(
      `    ${t.stack.name} was last changed before this cluster was created: refreshing its state from the cluster`,
    );
    await t.stack.refresh({ onOutput: (s) => process.stdout.write(s) });
    // Without the state read before the refresh: runDeploy exports the refreshed one.
    const { stack, backendUrl, recover, kubeconfig, stateDir: dir } = t;
    return { stack, backendUrl, recover, stateDir: dir, ...(kubeconfig ? { kubeconfig } : {}) };
  }
  return t;
}

/**
 * Whether a stack last changed at `lastChange` (its newest operation's end, none when it has no
 * history) describes a cluster older than the one created at `clusterCreated`.
 */
export function stateOlderThanCluster(
  lastChange: Date | string | undefined,
  clusterCreated: Date,
): boolean {
  return lastChange !== undefined && new Date(lastChange).getTime() < clusterCreated.getTime();
}

/** When the cluster was created: its `kube-system` namespace's creation time. */
async function clusterCreatedAt(client: KubeClient): Promise<Date> {
  const ns = await client.request<{ metadata: { creationTimestamp: string } }>(
    "GET",
    "/api/v1/namespaces/kube-system",
  );
  return new Date(ns.metadata.creationTimestamp);
}

/**
 * The demo's last words: the v2 rollout's report (runDeploy wrote it; read back for its summary
 * and the capacity check), where the app runs and how to stop the cluster. 1 when the rollout
 * dropped capacity or left no report.
 */
async function whatHappened(
  target: Target,
  env: string,
  started: number,
  rolledOutFrom: number,
): Promise<number> {
  say("what happened");
  const app = await openStack(PROJECTS.app, { env, kubeconfig: target.kubeconfig });
  const out = await app.outputs();
  const deployment = String(out.deploymentName?.value);
  const rollout = latestRolloutReport(join(stateDir(), "reports"), deployment, rolledOutFrom);
  if (rollout) {
    console.log(formatReport(rollout.report));
    console.log(`  report:            ${rollout.json}`);
    console.log(`  timeline:          ${rollout.svg}`);
  }
  const ns = String(out.namespace?.value);
  console.log(`  url:               ${String(out.url?.value)} (the Service, inside the cluster)`);
  console.log(`  kubeconfig:        export KUBECONFIG=${target.kubeconfig}`);
  console.log(`  see it:            kubectl -n ${ns} get deployments,pods,services`);
  if (target.kind === "local") {
    console.log(
      `  stop the cluster:  npm run cluster -- down   (the next npm run demo starts it again)`,
    );
  }
  console.log(`  total:             ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (!rollout) {
    console.error(`\nno rollout report of ${deployment} was written for the v2 up`);
    return EXIT.failed;
  }
  if (rollout.report.minReady < rollout.report.desired) {
    console.error(
      `\nthe rollout dropped capacity to ${rollout.report.minReady} of ${rollout.report.desired} ready pods`,
    );
    return EXIT.failed;
  }
  return EXIT.ok;
}

/**
 * The newest rollout report of Deployment `deployment` in `dir` written at or after `since`
 * (epoch ms), with its timeline; undefined when there is none.
 */
export function latestRolloutReport(
  dir: string,
  deployment: string,
  since: number,
): { report: RolloutReport; json: string; svg: string } | undefined {
  if (!existsSync(dir)) return undefined;
  // writeReport names them rollout-<deployment>-<finishedAt>.json; another Deployment's name may
  // start with this one's, so the report's own field decides.
  const newest = readdirSync(dir)
    .filter((f) => f.startsWith(`rollout-${deployment}-`) && f.endsWith(".json"))
    .map((f) => ({ json: join(dir, f), at: statSync(join(dir, f)).mtimeMs }))
    .filter((f) => f.at >= since)
    .sort((a, b) => b.at - a.at)
    .map((f) => ({ ...f, report: JSON.parse(readFileSync(f.json, "utf8")) as RolloutReport }))
    .find((f) => f.report.deployment === deployment);
  if (!newest) return undefined;
  return {
    report: newest.report,
    json: newest.json,
    svg: newest.json.replace(/\.json$/, ".svg"),
  };
}

/**
 * The stack name the demo uses for an environment: the real-node demo keeps stacks of its own
 * (`dev-real`), so it never disturbs the simulated demo's state.
 */
export function demoStackName(env: string, realNode: boolean): string {
  return realNode ? `${env}-real` : env;
}

/** Replicas of the app on the real node: enough that a rollout has several rounds. */
const REAL_NODE_REPLICAS = 3;

/**
 * The main job on the local cluster's real node: the sample app's image built (no Docker) and
 * imported into the node's containerd, v1 as real containers behind a Service, then v2 rolled
 * out while a load generator sends requests to the Service's cluster IP. Prints the rollout and
 * the requests' fate; fails when a request failed or capacity dropped. Needs root.
 */
export async function demoOnRealNode(opts: { env?: string } = {}): Promise<void> {
  const env = opts.env ?? "dev";
  const stack = demoStackName(env, true);
  const started = Date.now();
  if (process.env.KUBECONFIG) {
    throw new Error(
      "--real-node runs on the embedded local cluster, which it starts itself: unset KUBECONFIG",
    );
  }
  say("system packages of the real node");
  const installer = join(repoRoot(), "tools", "toolchain", "install-node-runtime.sh");
  const installed = spawnSync("bash", [installer], { stdio: "inherit" });
  if (installed.status !== 0) throw new Error(`${installer} failed (see above)`);
  say("cluster with a real node");
  const cluster = await startCluster({
    realNode: "beside-kwok",
    log: (l) => console.log(`    ${l}`),
  });
  const node = cluster.realNode;
  if (!node) throw new Error("the local cluster started without its real node");
  const client = KubeClient.fromKubeconfig(cluster.kubeconfigPath);
  try {
    say("the sample app's image");
    const image = await buildImage({ log: (l) => console.log(`    ${l}`) });
    await importImage({ address: node.containerdSocket, log: (l) => console.log(`    ${l}`) });
    const kubeconfig = cluster.kubeconfigPath;
    say(`pulumi up: steady-platform/${stack}`);
    const platform = await up(
      await openStack(PROJECTS.platform, {
        env,
        stack,
        kubeconfig,
        config: { namespace: `steady-${stack}`, simulatedNodes: 0 },
      }),
    );
    const appConfig = {
      platformStack: `organization/steady-platform/${stack}`,
      image: image.reference,
      replicas: REAL_NODE_REPLICAS,
      ...REAL_NODE_PLACEMENT,
    };
    say(`pulumi up: steady-app/${stack} (v1, ${REAL_NODE_REPLICAS} replicas on ${node.name})`);
    const v1 = await up(
      await openStack(PROJECTS.app, {
        env,
        stack,
        kubeconfig,
        config: { ...appConfig, version: "v1" },
      }),
    );
    const url = await serviceUrl(client, platform.namespace as string, v1.serviceName as string);
    say(`pulumi up: steady-app/${stack} rolls out v2 while requests go to ${url}`);
    const app = await openStack(PROJECTS.app, {
      env,
      stack,
      kubeconfig,
      config: { ...appConfig, version: "v2" },
    });
    const r = await rollOutUnderLoad(app, client, { url, concurrency: 8 }, up);
    say("what happened");
    if (r.rollout) {
      console.log(formatReport(r.rollout.report));
      console.log(`  report:            ${r.rollout.json}`);
      console.log(`  timeline:          ${r.rollout.svg}`);
    }
    console.log(
      `  requests during the rollout (${((r.updateToMs - r.updateFromMs) / 1000).toFixed(1)} s of pulumi up):`,
    );
    for (const line of formatLoadSummary(r.during)) console.log(`    ${line}`);
    console.log(`  all requests, 2 s before to 2 s after:`);
    for (const line of formatLoadSummary(r.total)) console.log(`    ${line}`);
    console.log(`  kubeconfig:        export KUBECONFIG=${kubeconfig}`);
    console.log(`  total:             ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (r.error) throw r.error;
    if (r.total.failed > 0) {
      throw new Error(
        `${r.total.failed} of ${r.total.requests} requests failed during the rollout`,
      );
    }
    if (r.rollout && r.rollout.report.minReady < r.rollout.report.desired) {
      throw new Error(
        `the rollout dropped capacity to ${r.rollout.report.minReady} of ${r.rollout.report.desired} ready pods`,
      );
    }
  } finally {
    client.close();
  }
}
