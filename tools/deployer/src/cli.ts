#!/usr/bin/env node
import type { Stack } from "@pulumi/pulumi/automation";
import { KubeClient } from "@steady/local-cluster";
import { appendFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { ClusterUnreachable, readyzProbe, withOutageBound } from "./deadline";
import { demo, demoOnRealNode, demoStackName } from "./demo";
import { stateDir } from "./paths";
import { formatReport } from "./report";
import { withRolloutReports } from "./up-report";
import { guardedKindsText } from "./guard";
import { ReplacementRefused, RolledBack, guardedPreview, guardedUp } from "./guarded";
import { ConfigTooLarge, checkConfigSize } from "./config-size";
import { abortExitCode, abortReason, abortRun, installInterruptHandlers } from "./interrupt";
import { StackLocked } from "./locks";
import {
  assertUnlocked,
  formatRecoverReport,
  recoverCommand,
  recoverStack,
  refreshIfStale,
  stackLocks,
  staleStateReason,
} from "./recover";
import { removeLegacyLastGood } from "./rollback";
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
                        [--config KEY=VALUE]... [--policy-pack DIR [--policy-pack-config FILE]]
                        [--summary-md FILE]
  steady-deploy up      --project platform|app [--env dev|staging|prod] [--stack NAME] [--allow URN]...
                        [--config KEY=VALUE]... [--policy-pack DIR [--policy-pack-config FILE]]
                        [--summary-md FILE] [--rollback-on-failure]
  steady-deploy recover --project platform|app [--env dev|staging|prod] [--stack NAME]

  demo     start (or reuse) the local cluster unless KUBECONFIG reaches one, pulumi up the platform
           and sample-app stacks of the environment, roll out a new app version and report it.
           --real-node: on the local cluster's real node (root): the app's image is built and
           imported, 3 real containers serve it, and the rollout runs under load: the requests
           are counted and the run fails if any failed.
  preview  preview the stack and fail, before anything is applied, if an object of a guarded
           kind would be replaced or deleted; saves the update plan. Guarded kinds:
${wrap(guardedKindsText() + ".", 90, " ".repeat(11))}
  up       the guarded preview, then apply exactly that plan; writes a rollout report (JSON and
           an SVG timeline) for every Deployment the stack already had. Fails at once, naming
           the holder, when another update holds the stack's lock.
  recover  after a run was killed (SIGKILL, a lost machine): release the stack's lock if its
           holder is provably gone (same host, pid no longer a pulumi process), then refresh the
           state from the cluster so the operations it left pending are resolved. Never touches
           a lock whose holder runs, or one taken on another host.

  --allow URN             let this resource's replacement through (repeatable; keep it in review).
  --config KEY=VALUE      set a config key of the project for this run, over the committed
                          Pulumi.<env>.yaml (repeatable; KEY without the project prefix). Not for
                          secrets: set those once with \`pulumi config set --secret\` in the
                          stack's work directory (.steady/work/<project>.<stack>); runs keep them.
  --rollback-on-failure   when the up fails, re-apply the config of the stack's last successful
                          update, read from the backend's history (any machine that reaches the
                          backend can roll back), through the same guarded preview, policy packs
                          and saved plan as the up; exit code 4.
  --policy-pack DIR       run the preview with this policy pack (e.g. packages/policy, built);
                          --policy-pack-config FILE gives its config (e.g. config/prod.json).
  --summary-md FILE       append a Markdown summary (changes per operation, the guard's verdict,
                          for up the outcome and rollout reports) to FILE, even when the run
                          fails; in GitHub Actions pass "$GITHUB_STEP_SUMMARY".

signals:  SIGINT or SIGTERM cancels the running Pulumi operation gracefully (the stack's lock is
          released) and exits 130 or 143. A second signal, or 30 s without the cancel finishing
          (STEADY_CANCEL_TIMEOUT_SECONDS), ends it at once and prints the command that recovers.

exit codes: 0 done; 1 failed; 2 bad usage or config (nothing applied); 3 the guard refused a
          replacement (nothing applied); 4 the up failed and was rolled back; 5 the stack is
          locked (by a running update, or by a dead one: run recover); 130/143 interrupted.`;

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
  /** `--config KEY=VALUE` overrides, in the order given. */
  config: Record<string, string>;
}

/** Exit code when the stack is locked by another update (running, or dead: see recover). */
export const EXIT_LOCKED = 5;

const VALUE_FLAGS = [
  "--env",
  "--project",
  "--stack",
  "--allow",
  "--policy-pack",
  "--policy-pack-config",
  "--summary-md",
  "--config",
];
/** Options that only `preview` and `up` take. */
const DEPLOY_ONLY_FLAGS = [
  "--policy-pack",
  "--policy-pack-config",
  "--summary-md",
  "--config",
  "--allow",
];
const COMMANDS = ["demo", "preview", "up", "recover"];

class UsageError extends Error {}

export function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (!command || !COMMANDS.includes(command)) {
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
    config: {},
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
    const deployOnly = command === "demo" || command === "recover";
    if (!VALUE_FLAGS.includes(flag) || (deployOnly && DEPLOY_ONLY_FLAGS.includes(flag)))
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
    else if (flag === "--config") {
      const m = /^([A-Za-z_][\w.-]*)=([\s\S]*)$/.exec(value);
      if (!m)
        throw new UsageError(
          `--config ${JSON.stringify(value)} is not KEY=VALUE: expected e.g. --config version=v2 (KEY without the project prefix)`,
        );
      args.config[m[1]!] = m[2]!;
    } else if (value === "platform" || value === "app") args.project = value;
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

/**
 * What to print when a run is ended hard (second signal, cancel timeout): set once the stacks the
 * run touches are known.
 */
let hardStopHint: () => string[] = () => [];

/** The hard-stop lines for one stack: is it still locked, and the command that recovers it. */
function stackHint(stackName: string, recover: string): string[] {
  let locks;
  try {
    locks = stackLocks(stackName);
  } catch {
    locks = undefined;
  }
  const state =
    locks === undefined
      ? `${stackName}: its lock could not be inspected`
      : locks.length
        ? `${stackName} is still locked (${locks.length} lock(s)), and the update may have left pending operations`
        : `${stackName} is unlocked, but the ended update may have left pending operations`;
  return [state, `  recover with: ${recover}`];
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
  if (removeLegacyLastGood()) {
    console.error(
      "removed .steady/last-good: earlier versions kept each stack's config there with secrets in plain text; the last good config now comes from the stack's history",
    );
  }
  if (args.command === "demo") return runDemo(args);
  if (args.command === "recover") return runRecover(args);
  return runDeploy(args);
}

/** `demo`: the whole job on the local cluster; 130/143 when interrupted. */
async function runDemo(args: Args): Promise<number> {
  const stack = demoStackName(args.env, args.realNode);
  const stacks = [PROJECTS.platform, PROJECTS.app].map((p) => ({
    name: `organization/${p.name}/${stack}`,
    recover: recoverCommand(
      p === PROJECTS.platform ? "platform" : "app",
      args.env,
      stack === args.env ? undefined : stack,
    ),
  }));
  hardStopHint = () => stacks.flatMap((s) => stackHint(s.name, s.recover));
  try {
    await (args.realNode ? demoOnRealNode({ env: args.env }) : demo({ env: args.env }));
    return 0;
  } catch (e) {
    if (!abortReason()) throw e;
    console.error(`\nsteady-deploy: ${abortReason()!.message}; the demo stopped`);
    for (const s of stacks) reportLockAfterCancel(s.name, s.recover);
    return abortExitCode();
  }
}

/** The cluster: KUBECONFIG when set, else the local cluster's, when it has been started. */
function findKubeconfig(): string | undefined {
  const local = join(stateDir(), "cluster", "kubeconfig");
  return process.env.KUBECONFIG ?? (existsSync(local) ? local : undefined);
}

/** `recover`: release a dead update's lock and refresh; 5 when it must refuse. */
async function runRecover(args: Args): Promise<number> {
  const project = PROJECTS[args.project!];
  const kubeconfig = findKubeconfig();
  const stack = await openStack(project, {
    env: args.env,
    ...(args.stack ? { stack: args.stack } : {}),
    ...(kubeconfig ? { kubeconfig } : {}),
    mustExist: true,
  });
  hardStopHint = () => stackHint(stack.name, recoverCommand(args.project!, args.env, args.stack));
  const report = await recoverStack(stack, { onOutput: (s) => process.stdout.write(s) });
  const lines = formatRecoverReport(stack.name, report);
  (report.decision.action === "refuse" ? console.error : console.log)(`\n${lines.join("\n")}`);
  return report.decision.action === "refuse" ? EXIT_LOCKED : 0;
}

/**
 * After a graceful cancel: says whether the stack is unlocked (the cancel worked) or still
 * locked, and what to run then.
 */
function reportLockAfterCancel(stackName: string, recover: string): void {
  const locks = stackLocks(stackName);
  if (locks === undefined) return;
  if (locks.length === 0) {
    console.error(
      `${stackName}: cancelled; the stack is unlocked and the next up continues from here`,
    );
  } else {
    console.error(new StackLocked(stackName, locks, recover).message);
  }
}

/** The exit code for a failed deploy run, after printing why; rethrows what has none. */
function exitCodeFor(e: unknown, stackName: string, recover: string): number {
  if (e instanceof ClusterUnreachable) {
    // Its own message says whether the update stopped within the grace.
    console.error(`\nsteady-deploy: ${e.message}`);
    reportLockAfterCancel(stackName, recover);
    return 1;
  }
  if (abortReason()) {
    console.error(`\nsteady-deploy: ${abortReason()!.message}; the Pulumi operation was cancelled`);
    reportLockAfterCancel(stackName, recover);
    return abortExitCode();
  }
  if (e instanceof ReplacementRefused || e instanceof RolledBack) {
    console.error(`\n${e.message}`);
    return e instanceof RolledBack ? 4 : 3;
  }
  if (e instanceof ConfigTooLarge) {
    console.error(`\n${e.message}`);
    return 2;
  }
  if (e instanceof StackLocked) {
    console.error(`\n${e.message}`);
    return EXIT_LOCKED;
  }
  // Locked between the pre-flight check and the up: the backend's own message, explained.
  if (/the stack is currently locked/.test((e as Error)?.message ?? "")) {
    const locks = stackLocks(stackName) ?? [];
    console.error(
      `\n${locks.length ? new StackLocked(stackName, locks, recover).message : (e as Error).message}`,
    );
    return EXIT_LOCKED;
  }
  throw e;
}

/** `preview` and `up`. */
async function runDeploy(args: Args): Promise<number> {
  const kubeconfig = findKubeconfig();
  const project = PROJECTS[args.project!];
  const stackName = `organization/${project.name}/${args.stack ?? args.env}`;
  const recover = recoverCommand(args.project!, args.env, args.stack);
  hardStopHint = () => stackHint(stackName, recover);
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
      config: args.config,
    });
    const refresh = await preflight(stack, args.command as "preview" | "up", recover, onOutput);
    if (args.command === "preview") {
      const result = await guardedPreview(stack, {
        allow: args.allow,
        onOutput,
        refresh,
        ...policy,
      });
      onPreview(result);
      console.log(`\nno guarded resource is replaced or deleted; plan saved to ${result.plan}`);
      return 0;
    }
    const run = () =>
      guardedUp(stack, {
        allow: args.allow,
        onOutput,
        onPreview,
        rollbackOnFailure: args.rollbackOnFailure,
        ...policy,
      });
    await upWithReports(stack, kubeconfig, run, rollouts);
    update = { outcome: "succeeded" };
    return 0;
  } catch (e) {
    if (e instanceof ReplacementRefused) {
      changes = e.changes;
      verdict = { kind: "refused", offenders: e.offenders };
    } else if (verdict.kind === "failed") {
      verdict = { kind: "failed", message: (e as Error).message };
    } else if (args.command === "up") {
      const rolledBack = e instanceof RolledBack;
      update = { outcome: rolledBack ? "rolled back" : "failed", message: (e as Error).message };
    }
    return exitCodeFor(e, stackName, recover);
  } finally {
    writeSummary();
  }
}

/**
 * Checks made before the engine starts: the config fits the program's environment (a too large
 * value names its key and the limit here, instead of "argument list too long" from the engine),
 * and, for an up, the stack is not locked (the error names the holder and what to run). Then,
 * when the stack's last operation did not succeed (a cancelled or failed up), its state is
 * refreshed from the cluster so this run diffs against what really runs: saved for an up,
 * in memory only for a preview. Returns whether the preview must refresh.
 */
async function preflight(
  stack: Stack,
  command: "preview" | "up",
  recover: string,
  onOutput: (s: string) => void,
): Promise<boolean> {
  // Decrypted in memory only: the sizes must be those of the plain values the program gets.
  const config = await stack.getAllConfig();
  checkConfigSize(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value])));
  if (command === "preview") {
    const stale = await staleStateReason(stack);
    if (stale)
      onOutput(`\nthe state may not match the cluster (${stale}): previewing with a refresh\n`);
    return stale !== undefined;
  }
  assertUnlocked(stack.name, recover);
  await refreshIfStale(stack, onOutput);
  return false;
}

/** What an abort's reason says, for the run's own abort reason. */
function describeAbort(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/**
 * Runs the up while watching the stack's Deployments; prints the rollout reports and adds them to
 * `rollouts`, also when the up fails (that is when they matter most).
 */
async function upWithReports(
  stack: Stack,
  kubeconfig: string | undefined,
  run: () => Promise<unknown>,
  rollouts: string[],
): Promise<void> {
  if (!kubeconfig) {
    await run();
    console.log(
      "\nno kubeconfig found (KUBECONFIG or the local cluster's): no rollout report written",
    );
    return;
  }
  const client = KubeClient.fromKubeconfig(kubeconfig);
  try {
    // The outage bound (deadline.ts): when the API server stops answering, the update is
    // cancelled the way an interrupt cancels it (one SIGINT to each running pulumi).
    const bounded = () =>
      withOutageBound(
        (signal) => {
          signal.addEventListener("abort", () => abortRun(describeAbort(signal.reason)), {
            once: true,
          });
          return run();
        },
        {
          ...readyzProbe(client),
          onTrip: (e) =>
            process.stdout.write(
              `\n${e.server} has not answered for ${Math.round(e.silentMs / 1000)} s (${e.answer}): cancelling the update\n`,
            ),
        },
      );
    const { error, reports, skipped } = await withRolloutReports(stack, client, bounded, {
      unreachable: (e) => e instanceof ClusterUnreachable,
    });
    const texts = reports.map(
      (r) => `${formatReport(r.report)}\n  report:   ${r.json}\n  timeline: ${r.svg}`,
    );
    for (const text of texts) console.log(`\n${text}`);
    rollouts.push(...texts);
    for (const sk of skipped) console.log(`\nno rollout report for ${sk.deployment}: ${sk.reason}`);
    if (error) throw error;
  } finally {
    client.close();
  }
}

if (require.main === module) {
  installInterruptHandlers({ onHardStop: () => hardStopHint() });
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`\nsteady-deploy: ${e.message}`);
      process.exit(1);
    },
  );
}
