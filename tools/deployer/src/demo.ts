import type { Stack } from "@pulumi/pulumi/automation";
import { buildImage, importImage } from "@steady/image";
import { KubeClient, formatReport, withRolloutReports, type RolloutReport } from "@steady/deploy";
import { startCluster } from "@steady/local-cluster";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { formatLoadSummary } from "./load";
import { repoRoot, stateDir } from "./paths";
import { cliLineOf, openStack } from "./stack-runner";
import { chooseTarget, type Target } from "./target";
import { REAL_NODE_PLACEMENT, rollOutUnderLoad, serviceUrl } from "./under-load";
import { PROJECTS } from "./workspace";

const say = (line: string) => console.log(`\n==> ${line}`);

/**
 * Runs `pulumi up --refresh` with Pulumi's own progress display on the terminal. The refresh
 * matters on the local cluster: after `steady-local down --purge` (or a cluster that was
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

/**
 * Deploys one version of the sample app while the stack's Deployment is watched; returns its
 * rollout report and where the report and timeline were written.
 */
export async function rollOut(
  target: Target,
  env: string,
  config: Record<string, string | number | boolean | null>,
): Promise<{ report: RolloutReport; json: string; svg: string }> {
  const app = await openStack(PROJECTS.app, { env, config, kubeconfig: target.kubeconfig });
  const { error, reports } = await withRolloutReports(app, target.client, () => up(app), {
    stateDir: stateDir(),
  });
  if (error) throw error;
  if (reports.length !== 1) {
    throw new Error(
      `expected the app stack to have one Deployment to roll out, found ${reports.length}`,
    );
  }
  return reports[0]!;
}

/**
 * The main job: pick the cluster (the embedded local one unless KUBECONFIG reaches another),
 * `pulumi up` the platform and sample-app stacks of one environment, then roll out a new version
 * of the app and report what happened.
 */
export async function demo(opts: { env?: string } = {}): Promise<RolloutReport> {
  const env = opts.env ?? "dev";
  const started = Date.now();
  say("cluster");
  const target = await chooseTarget((line) => console.log(`    ${line}`));
  try {
    say(`pulumi up: steady-platform/${env}`);
    const platform = await openStack(PROJECTS.platform, { env, kubeconfig: target.kubeconfig });
    console.log(`    ${await cliLineOf(platform)}`);
    await up(platform);
    say(`pulumi up: steady-app/${env} (v1)`);
    await up(
      await openStack(PROJECTS.app, {
        env,
        kubeconfig: target.kubeconfig,
        config: { version: "v1", image: "steady/hello:1.0.0" },
      }),
    );
    say(`pulumi up: steady-app/${env} rolls out v2`);
    const { report, ...files } = await rollOut(target, env, {
      version: "v2",
      image: "steady/hello:2.0.0",
    });
    say("what happened");
    console.log(formatReport(report));
    console.log(`  report:            ${files.json}`);
    console.log(`  timeline:          ${files.svg}`);
    console.log(`  kubeconfig:        export KUBECONFIG=${target.kubeconfig}`);
    console.log(`  total:             ${((Date.now() - started) / 1000).toFixed(1)} s`);
    if (report.minReady < report.desired)
      throw new Error(
        `the rollout dropped capacity to ${report.minReady} of ${report.desired} ready pods`,
      );
    return report;
  } finally {
    target.client.close();
  }
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
