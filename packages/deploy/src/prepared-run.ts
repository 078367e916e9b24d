import type { Stack } from "@pulumi/pulumi/automation";
import { checkConfigSize } from "./config-size";
import { ClusterUnreachable, readyzProbe, withOutageBound } from "./deadline";
import {
  formatTuning,
  resolveDeployTuning,
  resourcesInChanges,
  resourcesInState,
  type DeployTuning,
} from "./deploy-tuning";
import { abortRun } from "./interrupt";
import { KubeClient } from "./kube-client";
import { assertUnlocked, refreshIfStale, stackLocks, staleStateReason } from "./recover";
import { formatReport } from "./report";
import { withRolloutReports } from "./up-report";

/**
 * What every guarded run (`preview`, `up`, each step of `canary`) goes through before and around
 * its Pulumi operations, in one place so no command skips a part: opening the target with the
 * hard-stop hint, the pre-flight checks, the speed tuning, and ups wrapped with rollout reports
 * and the outage bound.
 */

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

/** Opens the run's stack and points the hard-stop hint at it. */
export async function openRunTarget(open: () => Promise<RunTarget>): Promise<RunTarget> {
  const t = await open();
  setHardStopHint(() => stackHint(t.stack.name, t.backendUrl, t.recover));
  return t;
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
export async function preflight(
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

/** A target after its pre-flight, with the tuning applied: what its guarded operations need. */
export interface PreparedRun {
  readonly target: RunTarget;
  /** The stack's state at the start (after the pre-flight's refresh, when there was one). */
  readonly state: unknown;
  /** Whether a preview must refresh in memory (its last operation did not succeed). */
  readonly refresh: boolean;
  /** The tuning of the previews (sized on the state), already in the stack's environment. */
  readonly tuning: DeployTuning;
  /** The rollout reports' texts so far, also of ups that failed. */
  readonly rollouts: readonly string[];
  /** `--parallel` of an up, sized on its guarded preview's changes; prints the tuning line. */
  upParallel(changes: Record<string, number>): number;
  /**
   * Runs `up` (a guarded up) watching the stack's Deployments and under the outage bound;
   * prints the rollout reports and keeps them in {@link rollouts}, also when the up fails.
   * @param state the stack's state before the up. @default - exported now
   */
  upWithReports(up: () => Promise<unknown>, state?: unknown): Promise<void>;
}

/** Options of {@link prepareRun}. */
export interface PrepareOptions {
  readonly command: "preview" | "up";
  /** `--parallel N`. @default - resolved by {@link resolveDeployTuning} */
  readonly parallel?: number;
  readonly onOutput: (s: string) => void;
}

/**
 * Runs the pre-flight ({@link preflight}) on an opened target, resolves the tuning and applies
 * it to the stack's environment (the CLI and its provider plugins inherit it), and prints it.
 */
export async function prepareRun(t: RunTarget, o: PrepareOptions): Promise<PreparedRun> {
  const { refresh, refreshed } = await preflight(t, o.command, o.onOutput);
  // One export serves the first line, the tuning and the rollout watch, unless a refresh changed it.
  const state = t.state !== undefined && !refreshed ? t.state : await t.stack.exportStack();
  const tuningFor = (resources?: number): DeployTuning =>
    resolveDeployTuning({
      ...(o.parallel !== undefined ? { parallel: o.parallel } : {}),
      ...(resources !== undefined ? { resources } : {}),
      stateDir: t.stateDir,
    });
  const tuning = tuningFor(resourcesInState(state));
  Object.assign(t.stack.workspace.envVars, tuning.env);
  console.log(`steady-deploy: preview with ${formatTuning(tuning)}`);
  const rollouts: string[] = [];
  return {
    target: t,
    state,
    refresh,
    tuning,
    rollouts,
    upParallel(changes) {
      const chosen = tuningFor(resourcesInChanges(changes));
      console.log(`steady-deploy: up with ${formatTuning(chosen)}`);
      return chosen.parallel;
    },
    upWithReports: (up, before) => upWithReports(t, up, rollouts, before),
  };
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
      ...(state !== undefined ? { state } : {}),
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
