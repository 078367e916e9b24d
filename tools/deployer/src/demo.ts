import type { Stack } from "@pulumi/pulumi/automation";
import { formatReport } from "./report";
import type { RolloutReport } from "./rollout-watch";
import { openStack } from "./stack-runner";
import { chooseTarget, type Target } from "./target";
import { withRolloutReports } from "./up-report";
import { PROJECTS } from "./workspace";

const say = (line: string) => console.log(`\n==> ${line}`);

/** Runs `pulumi up` with Pulumi's own progress display on the terminal. */
async function up(stack: Stack): Promise<Record<string, unknown>> {
  const result = await stack.up({ onOutput: (s) => process.stdout.write(s), color: "auto" });
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
  const { error, reports } = await withRolloutReports(app, target.client, () => up(app));
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
