import type { Stack } from "@pulumi/pulumi/automation";
import { join } from "node:path";
import { formatReport, writeReport } from "./report";
import { RolloutWatcher, type RolloutReport } from "./rollout-watch";
import { openStack } from "./stack-runner";
import { stateDir } from "./paths";
import { chooseTarget, type Target } from "./target";
import { PROJECTS } from "./workspace";

const say = (line: string) => console.log(`\n==> ${line}`);

/** Runs `pulumi up` with Pulumi's own progress display on the terminal. */
async function up(stack: Stack): Promise<Record<string, unknown>> {
  const result = await stack.up({ onOutput: (s) => process.stdout.write(s), color: "auto" });
  return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
}

/** Deploys one version of the sample app while a watcher records every pod change. */
export async function rollOut(
  target: Target,
  env: string,
  config: Record<string, string | number | boolean | null>,
): Promise<RolloutReport> {
  const app = await openStack(PROJECTS.app, { env, config, kubeconfig: target.kubeconfig });
  const before = await app.outputs();
  const namespace = String(before.namespace?.value);
  const selector = { "app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello" };
  const watcher = new RolloutWatcher(target.client, namespace, selector);
  await watcher.start();
  const outputs = await up(app);
  const deployment = await target.client.get<{ spec?: { replicas?: number } }>(
    `/apis/apps/v1/namespaces/${namespace}/deployments/${String(outputs.deploymentName)}`,
  );
  return watcher.stop(String(outputs.deploymentName), deployment.spec?.replicas ?? 1);
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
    await up(await openStack(PROJECTS.platform, { env, kubeconfig: target.kubeconfig }));
    say(`pulumi up: steady-app/${env} (v1)`);
    await up(
      await openStack(PROJECTS.app, {
        env,
        kubeconfig: target.kubeconfig,
        config: { version: "v1", image: "steady/hello:1.0.0" },
      }),
    );
    say(`pulumi up: steady-app/${env} rolls out v2`);
    const report = await rollOut(target, env, { version: "v2", image: "steady/hello:2.0.0" });
    const files = writeReport(join(stateDir(), "reports"), report);
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
