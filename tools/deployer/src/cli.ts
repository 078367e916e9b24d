#!/usr/bin/env node
import { KubeClient } from "@steady/local-cluster";
import { appendFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ClusterUnreachable, readyzProbe, withOutageBound } from "./deadline";
import { demo, demoOnRealNode } from "./demo";
import { stateDir } from "./paths";
import { formatReport } from "./report";
import { withRolloutReports } from "./up-report";
import { guardedKindsText } from "./guard";
import { ReplacementRefused, RolledBack, guardedPreview, guardedUp } from "./guarded";
import { openStack } from "./stack-runner";
import { formatSummaryMarkdown, type GuardVerdict, type RunSummary } from "./summary";
import { PROJECTS } from "./workspace";

/** `text` broken into lines of at most `width` characters, each starting with `indent`. */
function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  return [...lines, indent + line].join("\n");
}

const USAGE = `usage:
  steady-deploy demo    [--env dev|staging|prod] [--real-node]
  steady-deploy preview --project platform|app [--env dev|staging|prod] [--stack NAME] [--allow URN]...
                        [--policy-pack DIR [--policy-pack-config FILE]] [--summary-md FILE]
  steady-deploy up      --project platform|app [--env dev|staging|prod] [--stack NAME] [--allow URN]...
                        [--policy-pack DIR [--policy-pack-config FILE]] [--summary-md FILE]
                        [--rollback-on-failure]

  demo     start (or reuse) the local cluster unless KUBECONFIG reaches one, pulumi up the platform
           and sample-app stacks of the environment, roll out a new app version and report it.
           --real-node: on the local cluster's real node (root): the app's image is built and
           imported, 3 real containers serve it, and the rollout runs under load: the requests
           are counted and the run fails if any failed.
  preview  preview the stack and fail, before anything is applied, if an object of a guarded
           kind would be replaced or deleted; saves the update plan. Guarded kinds:
${wrap(guardedKindsText() + ".", 90, " ".repeat(11))}
  up       the guarded preview, then apply exactly that plan; writes a rollout report (JSON and
           an SVG timeline) for every Deployment the stack already had.

  --allow URN             let this resource's replacement through (repeatable; keep it in review).
  --rollback-on-failure   when the up fails, re-apply the last config that deployed successfully.
  --policy-pack DIR       run the preview with this policy pack (e.g. packages/policy, built);
                          --policy-pack-config FILE gives its config (e.g. config/prod.json).
  --summary-md FILE       append a Markdown summary (changes per operation, the guard's verdict,
                          for up the outcome and rollout reports) to FILE, even when the run
                          fails; in GitHub Actions pass "$GITHUB_STEP_SUMMARY".`;

interface Args {
  command: string;
  env: string;
  project?: keyof typeof PROJECTS;
  stack?: string;
  allow: string[];
  rollbackOnFailure: boolean;
  policyPack?: string;
  policyPackConfig?: string;
  summaryMd?: string;
  realNode: boolean;
}

const VALUE_FLAGS = [
  "--env",
  "--project",
  "--stack",
  "--allow",
  "--policy-pack",
  "--policy-pack-config",
  "--summary-md",
];
/** Options that only `preview` and `up` take. */
const DEPLOY_ONLY_FLAGS = ["--policy-pack", "--policy-pack-config", "--summary-md"];

class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (!command || !["demo", "preview", "up"].includes(command)) {
    throw new UsageError(
      command ? `unknown command ${JSON.stringify(command)}` : "no command given",
    );
  }
  const args: Args = {
    command,
    env: "dev",
    allow: [],
    rollbackOnFailure: false,
    realNode: false,
  };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (flag === "--rollback-on-failure" && command === "up") {
      args.rollbackOnFailure = true;
      continue;
    }
    if (flag === "--real-node" && command === "demo") {
      args.realNode = true;
      continue;
    }
    const value = rest[i + 1];
    if (!VALUE_FLAGS.includes(flag) || (command === "demo" && DEPLOY_ONLY_FLAGS.includes(flag)))
      throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    if (value === undefined || value.startsWith("--"))
      throw new UsageError(`${flag} needs a value`);
    i++;
    if (flag === "--env") args.env = value;
    else if (flag === "--stack") args.stack = value;
    else if (flag === "--allow") args.allow.push(value);
    else if (flag === "--policy-pack") args.policyPack = value;
    else if (flag === "--policy-pack-config") args.policyPackConfig = value;
    else if (flag === "--summary-md") args.summaryMd = value;
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
  if (args.policyPackConfig && !args.policyPack)
    throw new UsageError("--policy-pack-config needs --policy-pack");
  return args;
}

/** Runs the CLI with `argv` (without node and the script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
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
    await (args.realNode ? demoOnRealNode({ env: args.env }) : demo({ env: args.env }));
    return 0;
  }
  // The cluster: KUBECONFIG when set, else the local cluster's, when it has been started.
  const local = join(stateDir(), "cluster", "kubeconfig");
  const kubeconfig = process.env.KUBECONFIG ?? (existsSync(local) ? local : undefined);
  const project = PROJECTS[args.project!];
  const stackName = `organization/${project.name}/${args.stack ?? args.env}`;
  const onOutput = (s: string) => process.stdout.write(s);
  const policy = args.policyPack
    ? {
        policyPacks: [resolve(args.policyPack)],
        ...(args.policyPackConfig ? { policyPackConfigs: [resolve(args.policyPackConfig)] } : {}),
      }
    : {};
  // What the Markdown summary reports; filled in as the run goes, written however it ends.
  let changes: Record<string, number> | undefined;
  let verdict: GuardVerdict = { kind: "failed", message: "the run stopped before the preview" };
  let update: RunSummary["update"];
  const rollouts: string[] = [];
  const writeSummary = () => {
    if (!args.summaryMd) return;
    const summary: RunSummary = {
      command: args.command as "preview" | "up",
      stack: stackName,
      verdict,
      allowed: args.allow,
      ...(changes ? { changes } : {}),
      ...(args.policyPack ? { policyPack: args.policyPack } : {}),
      ...(update ? { update } : {}),
      ...(rollouts.length ? { rollouts } : {}),
    };
    appendFileSync(args.summaryMd, formatSummaryMarkdown(summary));
  };
  const onPreview = (p: { changes: Record<string, number> }) => {
    changes = p.changes;
    verdict = { kind: "passed" };
  };
  try {
    const stack = await openStack(project, {
      env: args.env,
      ...(args.stack ? { stack: args.stack } : {}),
      ...(kubeconfig ? { kubeconfig } : {}),
    });
    if (args.command === "preview") {
      const result = await guardedPreview(stack, { allow: args.allow, onOutput, ...policy });
      onPreview(result);
      console.log(`\nno guarded resource is replaced or deleted; plan saved to ${result.plan}`);
    } else {
      const run = (signal?: AbortSignal) =>
        guardedUp(stack, {
          allow: args.allow,
          onOutput,
          onPreview,
          rollbackOnFailure: args.rollbackOnFailure,
          ...policy,
          ...(signal ? { signal } : {}),
        });
      if (!kubeconfig) {
        await run();
        update = { outcome: "succeeded" };
        console.log(
          "\nno kubeconfig found (KUBECONFIG or the local cluster's): no rollout report written",
        );
        return 0;
      }
      const client = KubeClient.fromKubeconfig(kubeconfig);
      try {
        // The outage bound (deadline.ts): the update is cancelled when the API server stops answering.
        const bounded = () =>
          withOutageBound(run, {
            ...readyzProbe(client),
            onTrip: (e) =>
              onOutput(
                `\n${e.server} has not answered for ${Math.round(e.silentMs / 1000)} s (${e.answer}): cancelling the update\n`,
              ),
          });
        const { error, reports, skipped } = await withRolloutReports(stack, client, bounded, {
          unreachable: (e) => e instanceof ClusterUnreachable,
        });
        for (const r of reports) {
          const text = `${formatReport(r.report)}\n  report:   ${r.json}\n  timeline: ${r.svg}`;
          rollouts.push(text);
          console.log(`\n${text}`);
        }
        for (const s of skipped)
          console.log(`\nno rollout report for ${s.deployment}: ${s.reason}`);
        if (error) throw error;
        update = { outcome: "succeeded" };
      } finally {
        client.close();
      }
    }
    return 0;
  } catch (e) {
    if (e instanceof ReplacementRefused) {
      changes = e.changes;
      verdict = { kind: "refused", offenders: e.offenders };
      console.error(`\n${e.message}`);
      return 3;
    }
    if (verdict.kind === "failed") {
      verdict = { kind: "failed", message: (e as Error).message };
    } else if (args.command === "up") {
      const rolledBack = e instanceof RolledBack;
      update = { outcome: rolledBack ? "rolled back" : "failed", message: (e as Error).message };
    }
    if (e instanceof RolledBack) {
      console.error(`\n${e.message}`);
      return 4;
    }
    throw e;
  } finally {
    writeSummary();
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
