import type { Stack } from "@pulumi/pulumi/automation";
import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigTooLarge, checkConfigSize } from "./config-size";
import { ClusterUnreachable, readyzProbe, withOutageBound } from "./deadline";
import { ReplacementRefused, RolledBack, guardedPreview, guardedUp } from "./guarded";
import { abortExitCode, abortReason, abortRun, installInterruptHandlers } from "./interrupt";
import { KubeClient } from "./kube-client";
import { UsageError } from "./args";
import { withHelp } from "./help";
import { StackLocked } from "./locks";
import { CliUnavailable } from "./pulumi-cli";
import {
  assertUnlocked,
  formatRecoverReport,
  recoverStack,
  refreshIfStale,
  stackLocks,
  staleStateReason,
} from "./recover";
import { formatReport } from "./report";
import { formatSummaryMarkdown, type GuardVerdict, type RunSummary } from "./summary";
import { withRolloutReports } from "./up-report";
import {
  formatTuning,
  resolveDeployTuning,
  resourcesInChanges,
  resourcesInState,
  type DeployTuning,
} from "./deploy-tuning";

/** Exit codes of steady-deploy. */
export const EXIT = {
  ok: 0,
  failed: 1,
  /** Bad usage or config: nothing applied. */
  usage: 2,
  /** The guard refused a replacement: nothing applied. */
  refused: 3,
  /** The up failed and was rolled back. */
  rolledBack: 4,
  /** The stack is locked (by a running update, or by a dead one: run recover). */
  locked: 5,
} as const;

/** Exit code when the stack is locked by another update (running, or dead: see recover). */
export const EXIT_LOCKED = EXIT.locked;

/** A stack a run works on, and how to talk about it. */
export interface RunTarget {
  readonly stack: Stack;
  /** The stack's backend URL (for its lock files): see backendUrlOf. */
  readonly backendUrl: string;
  /** The command, as the user types it, that recovers this stack after a killed run. */
  readonly recover: string;
  /** Kubeconfig of the cluster the stack deploys to: rollout reports and the outage bound. */
  readonly kubeconfig?: string;
  /** Where plans and rollout reports go. */
  readonly stateDir: string;
  /**
   * The stack's exported state as the opener read it (for its first line), so the run does not
   * export it again. @default - exported by the run
   */
  readonly state?: unknown;
}

/** What `preview` and `up` take besides the stack. */
export interface DeployOptions {
  readonly command: "preview" | "up";
  readonly allow: readonly string[];
  readonly rollbackOnFailure?: boolean;
  readonly policyPacks?: readonly string[];
  readonly policyPackConfigs?: readonly string[];
  readonly summaryMd?: string;
  readonly onOutput?: (s: string) => void;
  /** The stack's name for the summary when opening it fails. */
  readonly stackName: string;
  /** `--parallel N`. @default - resolved by {@link resolveDeployTuning} */
  readonly parallel?: number;
}

let hardStopHint: () => string[] = () => [];

/** What to print when a run is ended hard (second signal, cancel timeout). */
export function hardStopLines(): string[] {
  return hardStopHint();
}

/** Sets what {@link hardStopLines} prints, once the stacks a run touches are known. */
export function setHardStopHint(hint: () => string[]): void {
  hardStopHint = hint;
}

/** The hard-stop lines for one stack: is it still locked, and the command that recovers it. */
export function stackHint(stackName: string, backendUrl: string, recover: string): string[] {
  let locks;
  try {
    locks = stackLocks(stackName, backendUrl);
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

/**
 * After a graceful cancel: says whether the stack is unlocked (the cancel worked) or still
 * locked, and what to run then.
 */
export function reportLockAfterCancel(stackName: string, backendUrl: string, recover: string) {
  const locks = stackLocks(stackName, backendUrl);
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
function exitCodeFor(e: unknown, t: RunTarget | undefined): number {
  if (e instanceof UsageError || e instanceof CliUnavailable) {
    console.error(`steady-deploy: ${e.message}`);
    return EXIT.usage;
  }
  if (!t) throw e;
  const name = t.stack.name;
  if (e instanceof ClusterUnreachable) {
    // Its own message says whether the update stopped within the grace.
    console.error(`\nsteady-deploy: ${e.message}`);
    reportLockAfterCancel(name, t.backendUrl, t.recover);
    return EXIT.failed;
  }
  if (abortReason()) {
    console.error(`\nsteady-deploy: ${abortReason()!.message}; the Pulumi operation was cancelled`);
    reportLockAfterCancel(name, t.backendUrl, t.recover);
    return abortExitCode();
  }
  if (e instanceof ReplacementRefused || e instanceof RolledBack) {
    console.error(`\n${e.message}`);
    return e instanceof RolledBack ? EXIT.rolledBack : EXIT.refused;
  }
  if (e instanceof ConfigTooLarge) {
    console.error(`\n${e.message}`);
    return EXIT.usage;
  }
  if (e instanceof StackLocked) {
    console.error(`\n${e.message}`);
    return EXIT.locked;
  }
  // Locked between the pre-flight check and the up: the backend's own message, explained.
  if (/the stack is currently locked/.test((e as Error)?.message ?? "")) {
    const locks = stackLocks(name, t.backendUrl) ?? [];
    console.error(
      `\n${locks.length ? new StackLocked(name, locks, t.recover).message : (e as Error).message}`,
    );
    return EXIT.locked;
  }
  throw e;
}

/** `recover`: release a dead update's lock and refresh; 5 when it must refuse. */
export async function runRecover(t: RunTarget): Promise<number> {
  setHardStopHint(() => stackHint(t.stack.name, t.backendUrl, t.recover));
  const report = await recoverStack(t.stack, {
    onOutput: (s) => process.stdout.write(s),
    backendUrl: t.backendUrl,
  });
  const lines = formatRecoverReport(t.stack.name, report);
  const refused = report.decision.action === "refuse";
  (refused ? console.error : console.log)(`\n${lines.join("\n")}`);
  return refused ? EXIT.locked : EXIT.ok;
}

/**
 * `preview` or `up` of the stack `open` opens, guarded; prints what happened and returns the exit
 * code (see {@link EXIT}). Appends the Markdown summary to `summaryMd` however the run ends, also
 * when opening the stack fails.
 */
export async function runDeploy(open: () => Promise<RunTarget>, o: DeployOptions): Promise<number> {
  let t: RunTarget | undefined;
  const onOutput = o.onOutput ?? ((s: string) => process.stdout.write(s));
  const policy = o.policyPacks?.length
    ? {
        policyPacks: o.policyPacks.map((p) => resolve(p)),
        ...(o.policyPackConfigs?.length
          ? { policyPackConfigs: o.policyPackConfigs.map((p) => resolve(p)) }
          : {}),
      }
    : {};
  // What the Markdown summary reports; filled in as the run goes, written however it ends.
  let changes: Record<string, number> | undefined;
  let verdict: GuardVerdict = { kind: "failed", message: "the run stopped before the preview" };
  let update: RunSummary["update"];
  const rollouts: string[] = [];
  const onPreview = (p: { changes: Record<string, number> }) => {
    changes = p.changes;
    verdict = { kind: "passed" };
  };
  try {
    t = await open();
    const target = t;
    setHardStopHint(() => stackHint(target.stack.name, target.backendUrl, target.recover));
    const { refresh, refreshed } = await preflight(t, o.command, onOutput);
    // One export serves the first line, the tuning and the rollout watch, unless a refresh changed it.
    const state = t.state !== undefined && !refreshed ? t.state : await t.stack.exportStack();
    const tuning = (resources?: number): DeployTuning =>
      resolveDeployTuning({
        ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
        ...(resources !== undefined ? { resources } : {}),
        stateDir: target.stateDir,
      });
    const first = tuning(resourcesInState(state));
    Object.assign(t.stack.workspace.envVars, first.env);
    console.log(`steady-deploy: preview with ${formatTuning(first)}`);
    const upParallel = (changes: Record<string, number>) => {
      const chosen = tuning(resourcesInChanges(changes));
      console.log(`steady-deploy: up with ${formatTuning(chosen)}`);
      return chosen.parallel;
    };
    const common = {
      allow: o.allow,
      onOutput,
      stateDir: t.stateDir,
      parallel: first.parallel,
      ...policy,
    };
    if (o.command === "preview") {
      const result = await guardedPreview(t.stack, { ...common, refresh });
      onPreview(result);
      console.log(`\nno guarded resource is replaced or deleted; plan saved to ${result.plan}`);
      return EXIT.ok;
    }
    const run = () =>
      guardedUp(target.stack, {
        ...common,
        upParallel,
        onPreview,
        rollbackOnFailure: !!o.rollbackOnFailure,
      });
    await upWithReports(t, run, rollouts, state);
    update = { outcome: "succeeded" };
    return EXIT.ok;
  } catch (e) {
    if (e instanceof ReplacementRefused) {
      changes = e.changes;
      verdict = { kind: "refused", offenders: e.offenders };
    } else if (verdict.kind === "failed") {
      verdict = { kind: "failed", message: (e as Error).message };
    } else if (o.command === "up") {
      const rolledBack = e instanceof RolledBack;
      update = { outcome: rolledBack ? "rolled back" : "failed", message: (e as Error).message };
    }
    return exitCodeFor(e, t);
  } finally {
    if (o.summaryMd) {
      const summary: RunSummary = {
        command: o.command,
        stack: t?.stack.name ?? o.stackName,
        verdict,
        allowed: [...o.allow],
        ...(changes ? { changes } : {}),
        ...(o.policyPacks?.length ? { policyPack: o.policyPacks.join(", ") } : {}),
        ...(update ? { update } : {}),
        ...(rollouts.length ? { rollouts } : {}),
      };
      appendFileSync(o.summaryMd, formatSummaryMarkdown(summary));
    }
  }
}

/**
 * Checks made before the engine starts: the config fits the program's environment (a too large
 * value names its key and the limit here, instead of "argument list too long" from the engine),
 * and, for an up, the stack is not locked (the error names the holder and what to run). Then,
 * when the stack's last operation did not succeed (a cancelled or failed up), its state is
 * refreshed from the cluster so this run diffs against what really runs: saved for an up,
 * in memory only for a preview. Returns whether the preview must refresh, and whether the saved
 * state was refreshed (so a copy read before is out of date).
 */
async function preflight(
  t: RunTarget,
  command: "preview" | "up",
  onOutput: (s: string) => void,
): Promise<{ refresh: boolean; refreshed: boolean }> {
  // Two reads of the backend at once (each is a `pulumi` process, 0.2 s and more on a busy
  // machine): the history is asked for while the config is read and checked. Neither locks.
  const staleAnswer = staleStateReason(t.stack);
  staleAnswer.catch(() => undefined); // awaited below, unless the config check throws first
  // Decrypted in memory only: the sizes must be those of the plain values the program gets.
  const config = await t.stack.getAllConfig();
  checkConfigSize(Object.fromEntries(Object.entries(config).map(([k, v]) => [k, v.value])));
  const stale = await staleAnswer;
  if (command === "preview") {
    if (stale)
      onOutput(`\nthe state may not match the cluster (${stale}): previewing with a refresh\n`);
    return { refresh: stale !== undefined, refreshed: false };
  }
  assertUnlocked(t.stack.name, t.backendUrl, t.recover);
  return { refresh: false, refreshed: await refreshIfStale(t.stack, onOutput, { reason: stale }) };
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
  t: RunTarget,
  run: () => Promise<unknown>,
  rollouts: string[],
  state: unknown,
): Promise<void> {
  if (!t.kubeconfig) {
    await run();
    console.log("\nno kubeconfig found (--kubeconfig, KUBECONFIG): no rollout report written");
    return;
  }
  const client = KubeClient.fromKubeconfig(t.kubeconfig);
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
    const { error, reports, skipped } = await withRolloutReports(t.stack, client, bounded, {
      unreachable: (e) => e instanceof ClusterUnreachable,
      stateDir: t.stateDir,
      state,
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

/**
 * Runs a command-line `main` as the process: `--help`, `-h` or `help` print `usage` and exit 0
 * (see {@link withHelp}), signals become a graceful cancel (a hard stop prints the recover
 * hint), the exit code is `main`'s, and an unexpected error is one line on stderr and exit 1.
 * Shared by `steady-deploy` and tools built on it.
 */
export function runAsCli(
  main: (argv: string[]) => Promise<number>,
  tool: string,
  usage: string,
): void {
  installInterruptHandlers({ onHardStop: () => hardStopLines() });
  const run = withHelp(main, usage);
  run(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`\n${tool}: ${e.message}`);
      process.exit(EXIT.failed);
    },
  );
}
