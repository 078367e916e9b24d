#!/usr/bin/env node
import { KubeClient } from "@steady/local-cluster";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { demo } from "./demo";
import { stateDir } from "./paths";
import { formatReport } from "./report";
import { withRolloutReports } from "./up-report";
import { ReplacementRefused, RolledBack, guardedPreview, guardedUp } from "./guarded";
import { openStack } from "./stack-runner";
import { PROJECTS } from "./workspace";

const USAGE = `usage:
  steady-deploy demo    [--env dev|staging|prod]
  steady-deploy preview --project platform|app [--env dev|staging|prod] [--stack NAME] [--allow URN]...
  steady-deploy up      --project platform|app [--env dev|staging|prod] [--stack NAME] [--allow URN]...
                        [--rollback-on-failure]

  demo     start (or reuse) the local cluster unless KUBECONFIG reaches one, pulumi up the platform
           and sample-app stacks of the environment, roll out a new app version and report it.
  preview  preview the stack and fail, before anything is applied, if a Deployment, StatefulSet,
           Service, PodDisruptionBudget or PersistentVolumeClaim would be replaced or deleted;
           saves the update plan.
  up       the guarded preview, then apply exactly that plan; writes a rollout report (JSON and
           an SVG timeline) for every Deployment the stack already had.

  --allow URN             let this resource's replacement through (repeatable; keep it in review).
  --rollback-on-failure   when the up fails, re-apply the last config that deployed successfully.`;

interface Args {
  command: string;
  env: string;
  project?: keyof typeof PROJECTS;
  stack?: string;
  allow: string[];
  rollbackOnFailure: boolean;
}

class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (!command || !["demo", "preview", "up"].includes(command)) {
    throw new UsageError(
      command ? `unknown command ${JSON.stringify(command)}` : "no command given",
    );
  }
  const args: Args = { command, env: "dev", allow: [], rollbackOnFailure: false };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === "--rollback-on-failure" && command === "up") {
      args.rollbackOnFailure = true;
      continue;
    }
    const value = rest[i + 1];
    if (!["--env", "--project", "--stack", "--allow"].includes(flag))
      throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    if (value === undefined || value.startsWith("--"))
      throw new UsageError(`${flag} needs a value`);
    i++;
    if (flag === "--env") args.env = value;
    else if (flag === "--stack") args.stack = value;
    else if (flag === "--allow") args.allow.push(value);
    else if (value === "platform" || value === "app") args.project = value;
    else
      throw new UsageError(
        `--project ${JSON.stringify(value)} is not a project: expected platform or app`,
      );
  }
  if (!["dev", "staging", "prod"].includes(args.env)) {
    throw new UsageError(
      `--env ${JSON.stringify(args.env)} is not an environment: expected dev, staging or prod`,
    );
  }
  if (command !== "demo" && !args.project)
    throw new UsageError(`${command} needs --project platform|app`);
  return args;
}

async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (args.command === "demo") {
    await demo({ env: args.env });
    return 0;
  }
  // The cluster: KUBECONFIG when set, else the local cluster's, when it has been started.
  const local = join(stateDir(), "cluster", "kubeconfig");
  const kubeconfig = process.env.KUBECONFIG ?? (existsSync(local) ? local : undefined);
  const stack = await openStack(PROJECTS[args.project!], {
    env: args.env,
    ...(args.stack ? { stack: args.stack } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
  });
  const onOutput = (s: string) => process.stdout.write(s);
  try {
    if (args.command === "preview") {
      const { plan } = await guardedPreview(stack, { allow: args.allow, onOutput });
      console.log(`\nno guarded resource is replaced or deleted; plan saved to ${plan}`);
    } else {
      const run = () =>
        guardedUp(stack, {
          allow: args.allow,
          onOutput,
          rollbackOnFailure: args.rollbackOnFailure,
        });
      if (!kubeconfig) {
        await run();
        console.log(
          "\nno kubeconfig found (KUBECONFIG or the local cluster's): no rollout report written",
        );
        return 0;
      }
      const client = KubeClient.fromKubeconfig(kubeconfig);
      try {
        const { error, reports } = await withRolloutReports(stack, client, run);
        for (const r of reports) {
          console.log(`\n${formatReport(r.report)}\n  report:   ${r.json}\n  timeline: ${r.svg}`);
        }
        if (error) throw error;
      } finally {
        client.close();
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof ReplacementRefused) {
      console.error(`\n${e.message}`);
      return 3;
    }
    if (e instanceof RolledBack) {
      console.error(`\n${e.message}`);
      return 4;
    }
    throw e;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`\nsteady-deploy: ${e.message}`);
      process.exit(1);
    },
  );
}
