import { appendFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigTooLarge } from "./config-size";
import { ClusterUnreachable } from "./deadline";
import { ReplacementRefused, RolledBack, guardedPreview, guardedUp } from "./guarded";
import { abortExitCode, abortReason, installInterruptHandlers } from "./interrupt";
import { UsageError } from "./args";
import { withHelp } from "./help";
import { StackLocked } from "./locks";
import {
  hardStopLines,
  openRunTarget,
  prepareRun,
  setHardStopHint,
  stackHint,
  type PreparedRun,
  type RunTarget,
} from "./prepared-run";
import { CliUnavailable } from "./pulumi-cli";
import { formatRecoverReport, recoverStack, stackLocks } from "./recover";
import { formatSummaryMarkdown, type GuardVerdict, type RunSummary } from "./summary";

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

/**
 * The exit code for a failed deploy run (see {@link EXIT}), after printing why; rethrows what has
 * none. `t` is the target when opening it worked.
 */
export function deployExitCode(e: unknown, t: RunTarget | undefined): number {
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

/** The policy-pack options of a run, with paths resolved. */
function policyOf(o: DeployOptions): { policyPacks?: string[]; policyPackConfigs?: string[] } {
  if (!o.policyPacks?.length) return {};
  return {
    policyPacks: o.policyPacks.map((p) => resolve(p)),
    ...(o.policyPackConfigs?.length
      ? { policyPackConfigs: o.policyPackConfigs.map((p) => resolve(p)) }
      : {}),
  };
}

/** What the Markdown summary reports; filled in as the run goes, written however it ends. */
interface SummaryDraft {
  changes?: Record<string, number>;
  verdict: GuardVerdict;
  update?: RunSummary["update"];
}

/** Records how a run failed in its summary draft. */
function recordFailure(d: SummaryDraft, e: unknown, command: DeployOptions["command"]): void {
  if (e instanceof ReplacementRefused) {
    d.changes = e.changes;
    d.verdict = { kind: "refused", offenders: e.offenders };
  } else if (d.verdict.kind === "failed") {
    d.verdict = { kind: "failed", message: (e as Error).message };
  } else if (command === "up") {
    const outcome = e instanceof RolledBack ? "rolled back" : "failed";
    d.update = { outcome, message: (e as Error).message };
  }
}

/** Appends the run's Markdown summary to `o.summaryMd`, when asked for. */
function writeSummary(
  o: DeployOptions,
  d: SummaryDraft,
  stack: string,
  rollouts: readonly string[],
) {
  if (!o.summaryMd) return;
  const summary: RunSummary = {
    command: o.command,
    stack,
    verdict: d.verdict,
    allowed: [...o.allow],
    ...(d.changes ? { changes: d.changes } : {}),
    ...(o.policyPacks?.length ? { policyPack: o.policyPacks.join(", ") } : {}),
    ...(d.update ? { update: d.update } : {}),
    ...(rollouts.length ? { rollouts: [...rollouts] } : {}),
  };
  appendFileSync(o.summaryMd, formatSummaryMarkdown(summary));
}

/**
 * `preview` or `up` of the stack `open` opens, guarded; prints what happened and returns the exit
 * code (see {@link EXIT}). Appends the Markdown summary to `summaryMd` however the run ends, also
 * when opening the stack fails. Opening, pre-flight, tuning and the up's rollout reports and
 * outage bound are {@link prepareRun}'s, shared with `canary`.
 */
export async function runDeploy(open: () => Promise<RunTarget>, o: DeployOptions): Promise<number> {
  let t: RunTarget | undefined;
  let run: PreparedRun | undefined;
  const onOutput = o.onOutput ?? ((s: string) => process.stdout.write(s));
  const draft: SummaryDraft = {
    verdict: { kind: "failed", message: "the run stopped before the preview" },
  };
  const onPreview = (p: { changes: Record<string, number> }) => {
    draft.changes = p.changes;
    draft.verdict = { kind: "passed" };
  };
  try {
    t = await openRunTarget(open);
    const prepared = (run = await prepareRun(t, { command: o.command, onOutput, ...tuningOf(o) }));
    const stack = t.stack;
    const common = { allow: o.allow, onOutput, stateDir: t.stateDir, ...policyOf(o) };
    const options = { ...common, parallel: prepared.tuning.parallel };
    if (o.command === "preview") {
      const result = await guardedPreview(stack, { ...options, refresh: prepared.refresh });
      onPreview(result);
      console.log(`\nno guarded resource is replaced or deleted; plan saved to ${result.plan}`);
      return EXIT.ok;
    }
    const up = () =>
      guardedUp(stack, {
        ...options,
        upParallel: (changes) => prepared.upParallel(changes),
        onPreview,
        rollbackOnFailure: !!o.rollbackOnFailure,
      });
    await prepared.upWithReports(up, prepared.state);
    draft.update = { outcome: "succeeded" };
    return EXIT.ok;
  } catch (e) {
    recordFailure(draft, e, o.command);
    return deployExitCode(e, t);
  } finally {
    writeSummary(o, draft, t?.stack.name ?? o.stackName, run?.rollouts ?? []);
  }
}

/** `--parallel` of the options, when given. */
const tuningOf = (o: { parallel?: number }) =>
  o.parallel !== undefined ? { parallel: o.parallel } : {};

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
