#!/usr/bin/env node
import {
  DEPLOY_HELP,
  EXIT,
  SIGNALS_AND_EXIT_CODES,
  abortExitCode,
  abortReason,
  formatChecks,
  formatChecksMarkdown,
  guardedKindsText,
  reportLockAfterCancel,
  runAsCli,
  runCanary,
  runDeploy,
  runRecover,
  setHardStopHint,
  smokeStack,
  stackHint,
  type CheckResult,
  type RunTarget,
} from "@steady/deploy";
import { appendFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs, UsageError, type Args } from "./args";
import { demo, demoOnRealNode, demoStackName } from "./demo";
import { removeLegacyLastGood } from "./legacy";
import { stateDir } from "./paths";
import { backendUrl, openRepoTarget, recoverCommand } from "./repo-target";
import { openStack } from "./stack-runner";
import { PROJECTS } from "./workspace";

export { parseArgs } from "./args";
export { recoverCommand } from "./repo-target";

const USAGE = `usage:
  steady-repo-deploy demo    [--env dev|staging|prod] [--real-node]
  steady-repo-deploy preview --project platform|app [--env dev|staging|prod] [--stack NAME]
                             [--allow URN]... [--config KEY=VALUE]...
                             [--policy-pack DIR [--policy-pack-config FILE]] [--summary-md FILE]
                             [--parallel N]
  steady-repo-deploy up      (the same) [--rollback-on-failure]
  steady-repo-deploy recover --project platform|app [--env dev|staging|prod] [--stack NAME]
  steady-repo-deploy smoke   [--env dev|staging|prod] [--http] [--summary-md FILE]
  steady-repo-deploy canary  --canary-image IMAGE --canary-version VERSION [--env dev|staging|prod]
                             [--stack NAME] [--window SECONDS] [--analysis FILE.json] [--port PORT]
                             [--failure-ratio R] [--allow URN]... [--config KEY=VALUE]...
                             [--policy-pack DIR [--policy-pack-config FILE]] [--summary-md FILE]
                             [--parallel N]

This repository's own stacks through @steady/deploy (steady-deploy): work directories under
.steady/work built from the committed Pulumi.<env>.yaml, the local file backend and passphrase
unless PULUMI_BACKEND_URL / PULUMI_CONFIG_PASSPHRASE say otherwise, and the source-built
toolchain. For any other project use \`steady-deploy --cwd DIR --stack NAME\`.

  demo     start (or reuse) the local cluster unless KUBECONFIG reaches one, pulumi up the platform
           and sample-app stacks of the environment, roll out a new app version and report it.
           --real-node: on the local cluster's real node (root): the app's image is built and
           imported, 3 real containers serve it, and the rollout runs under load: the requests
           are counted and the run fails if any failed.
${DEPLOY_HELP(guardedKindsText())}
  smoke    the post-deploy checks of the environment: the app stack's Deployment, Service and
           (--http) HTTP answers, and no drift in the platform and app stacks.
  canary   steady-deploy canary on the environment's app stack: IMAGE as a canary next to the
           stable pods, 1 pod, 25 %, 50 %, each a guarded up after up's pre-flight, the canary's
           error rate and p99 compared with the stable pods' between steps (--window, default 60
           s; /metrics on --port, default 8080), then the promotion; a failed check takes the
           canary to 0 pods and exits 6. Report and SVG timeline under .steady/rollouts/.
           Exit codes: 0 promoted, 6 aborted by the analysis, 1 a step failed, 2 bad usage,
           5 the stack is locked, 130/143 interrupted.

  --config KEY=VALUE      set a config key of the project for this run, over the committed
                          Pulumi.<env>.yaml (repeatable; KEY without the project prefix). Not for
                          secrets: set those once with \`pulumi config set --secret\` in the
                          stack's work directory (.steady/work/<project>.<stack>); runs keep them.
  --parallel N            resource operations at once (default: one per resource of the preview,
                          at least 4 x CPUs; the provider's client limits default to QPS 500,
                          burst 1000): as steady-deploy.
  The other options are steady-deploy's (see its README).

${SIGNALS_AND_EXIT_CODES}`;

/**
 * Runs the CLI with `argv` (without node and the script); resolves to the exit code. `--help`
 * is answered before it, by runAsCli.
 */
export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return EXIT.usage;
    }
    throw e;
  }
  if (removeLegacyLastGood()) {
    console.error(
      "removed .steady/last-good: earlier versions kept each stack's config there with secrets in plain text; the last good config now comes from the stack's history",
    );
  }
  if (args.command === "demo") return runDemo(args);
  if (args.command === "smoke") return runSmoke(args);
  const open = () => openTarget(args);
  if (args.command === "recover") return runRecover(await open());
  if (args.command === "canary") return runCanary(canaryRunOf(args), open);
  return runDeploy(open, {
    command: args.command,
    stackName: `organization/${PROJECTS[args.project!].name}/${args.stack ?? args.env}`,
    allow: args.allow,
    rollbackOnFailure: args.rollbackOnFailure,
    policyPacks: args.policyPack ? [args.policyPack] : [],
    policyPackConfigs: args.policyPackConfig ? [args.policyPackConfig] : [],
    ...(args.summaryMd ? { summaryMd: args.summaryMd } : {}),
    ...(args.parallel !== undefined ? { parallel: args.parallel } : {}),
  });
}

/** What @steady/deploy's runCanary takes, from this tool's arguments. */
export function canaryRunOf(args: Args): Parameters<typeof runCanary>[0] {
  return {
    ...args.canary!,
    allow: args.allow,
    policyPacks: args.policyPack ? [args.policyPack] : [],
    policyPackConfigs: args.policyPackConfig ? [args.policyPackConfig] : [],
    ...(args.summaryMd ? { summaryMd: args.summaryMd } : {}),
    ...(args.parallel !== undefined ? { parallel: args.parallel } : {}),
    stackName: `organization/${PROJECTS.app.name}/${args.stack ?? args.env}`,
  };
}

/** The cluster: KUBECONFIG when set, else the local cluster's, when it has been started. */
function findKubeconfig(): string | undefined {
  const local = join(stateDir(), "cluster", "kubeconfig");
  return process.env.KUBECONFIG ?? (existsSync(local) ? local : undefined);
}

/** Opens the repo stack of `args` in its work directory, for @steady/deploy's runs. */
function openTarget(args: Args): Promise<RunTarget> {
  const kubeconfig = findKubeconfig();
  return openRepoTarget(args.project!, {
    env: args.env,
    ...(args.stack ? { stack: args.stack } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
    ...(args.command === "recover" ? { mustExist: true } : { config: args.config }),
  });
}

/**
 * `demo`: the whole job on the local cluster. The simulated demo's ups are runDeploy's, which
 * ends an interrupted one itself (130/143, the lock state and what to run); an interrupt outside
 * them (the cluster's start, the real-node demo) is reported here for both stacks.
 */
async function runDemo(args: Args): Promise<number> {
  const stack = demoStackName(args.env, args.realNode);
  const stacks = (["platform", "app"] as const).map((p) => ({
    name: `organization/${PROJECTS[p].name}/${stack}`,
    recover: recoverCommand(p, args.env, stack === args.env ? undefined : stack),
  }));
  setHardStopHint(() => stacks.flatMap((s) => stackHint(s.name, backendUrl(), s.recover)));
  try {
    if (!args.realNode) return await demo({ env: args.env });
    await demoOnRealNode({ env: args.env });
    return EXIT.ok;
  } catch (e) {
    if (!abortReason()) throw e;
    console.error(`\nsteady-deploy: ${abortReason()!.message}; the demo stopped`);
    for (const s of stacks) reportLockAfterCancel(s.name, backendUrl(), s.recover);
    return abortExitCode();
  }
}

/** `smoke`: the app stack's checks plus no drift in the platform stack. */
async function runSmoke(args: Args): Promise<number> {
  let results: CheckResult[];
  try {
    const kubeconfig = process.env.KUBECONFIG;
    if (!kubeconfig)
      throw new Error("KUBECONFIG is not set: point it at the environment's cluster");
    const app = await openStack(PROJECTS.app, { env: args.env, kubeconfig });
    const platform = await openStack(PROJECTS.platform, { env: args.env, kubeconfig });
    results = await smokeStack(app, {
      kubeconfig,
      http: args.http,
      driftStacks: [{ name: "platform", stack: platform }],
    });
  } catch (e) {
    results = [{ name: "setup", ok: false, detail: (e as Error).message.split("\n")[0]! }];
  }
  console.log(formatChecks(args.env, results));
  if (args.summaryMd) appendFileSync(args.summaryMd, formatChecksMarkdown(args.env, results));
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

if (require.main === module) runAsCli(main, "steady-repo-deploy", USAGE);
