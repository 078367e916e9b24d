import type { Stack } from "@pulumi/pulumi/automation";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ReplacementGuard, formatOffenders, type Offender } from "./guard";
import { defaultStateDir } from "./state-dir";
import { upWithRollback } from "./rollback";

/**
 * Where the reviewed plan of a stack is kept between `preview` and `up`: `<stateDir>/plans`.
 * @param stateDir the run's state directory. @default - {@link defaultStateDir}
 */
export function planPath(stack: Stack, stateDir = defaultStateDir()): string {
  const dir = join(stateDir, "plans");
  mkdirSync(dir, { recursive: true });
  return join(dir, `${stack.name.replace(/\//g, "_")}.json`);
}

/** Thrown when a preview would replace or delete a guarded resource. */
export class ReplacementRefused extends Error {
  constructor(
    readonly offenders: Offender[],
    /** Resources per operation of the refused preview. */
    readonly changes: Record<string, number> = {},
  ) {
    super(formatOffenders(offenders));
    this.name = "ReplacementRefused";
  }
}

/**
 * Previews with the replacement guard and saves the update plan; throws ReplacementRefused,
 * before anything is applied, when a guarded resource would be replaced or deleted.
 */
export async function guardedPreview(
  stack: Stack,
  opts: {
    allow?: readonly string[];
    onOutput?: (s: string) => void;
    policyPacks?: string[];
    policyPackConfigs?: string[];
    /** Refresh the state in memory first (not saved), to preview against what really runs. */
    refresh?: boolean;
    /** Where the plan is saved (under `plans/`). @default - {@link defaultStateDir} */
    stateDir?: string;
    /** `pulumi preview --parallel`. @default - Pulumi's */
    parallel?: number;
  } = {},
): Promise<{ plan: string; changes: Record<string, number> }> {
  const guard = new ReplacementGuard(new Set(opts.allow ?? []));
  const plan = planPath(stack, opts.stateDir);
  const result = await stack.preview({
    onEvent: guard.onEvent,
    plan,
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    ...(opts.policyPacks ? { policyPacks: opts.policyPacks } : {}),
    ...(opts.policyPackConfigs ? { policyPackConfigs: opts.policyPackConfigs } : {}),
    ...(opts.refresh ? { refresh: true } : {}),
    ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
  });
  const changes = result.changeSummary as Record<string, number>;
  if (guard.offenders.length > 0) throw new ReplacementRefused(guard.offenders, changes);
  return { plan, changes };
}

/** Options of {@link guardedUp}. */
export interface GuardedUpOptions {
  readonly allow?: readonly string[];
  readonly onOutput?: (s: string) => void;
  readonly rollbackOnFailure?: boolean;
  readonly policyPacks?: string[];
  readonly policyPackConfigs?: string[];
  /** Where plans are saved (under `plans/`). @default - {@link defaultStateDir} */
  readonly stateDir?: string;
  /** Called with the guarded preview's result before the update starts. */
  readonly onPreview?: (preview: { plan: string; changes: Record<string, number> }) => void;
  /** Called with the rollback's guarded preview before the rollback's update starts. */
  readonly onRollbackPreview?: (preview: { plan: string; changes: Record<string, number> }) => void;
  /** `--parallel` of the guarded previews. @default - Pulumi's */
  readonly parallel?: number;
  /** `--parallel` of an up, from its guarded preview's change summary. @default - Pulumi's */
  readonly upParallel?: (changes: Record<string, number>) => number;
}

/**
 * A guarded preview, then `up` of exactly the reviewed plan. With `rollbackOnFailure`, a failed
 * up puts back the config of the stack's last successful update (from the backend's history)
 * and applies it the same way: guarded preview, policy packs, saved plan, then up of that plan;
 * then throws RolledBack.
 */
export async function guardedUp(
  stack: Stack,
  opts: GuardedUpOptions = {},
): Promise<Record<string, unknown>> {
  const preview = await guardedPreview(stack, opts);
  opts.onPreview?.(preview);
  const out = opts.onOutput ? { onOutput: opts.onOutput } : {};
  const parallelOf = (changes: Record<string, number>) =>
    opts.upParallel ? { parallel: opts.upParallel(changes) } : {};
  const outcome = await upWithRollback(stack, {
    plan: preview.plan,
    ...out,
    ...parallelOf(preview.changes),
    noRollback: !opts.rollbackOnFailure,
    reapply: async (s) => {
      opts.onOutput?.("\nrollback: guarded preview of the last good config\n");
      const back = await guardedPreview(s, opts);
      opts.onRollbackPreview?.(back);
      opts.onOutput?.(`\nrollback: applying the reviewed plan ${back.plan}\n`);
      return s.up({ ...out, plan: back.plan, ...parallelOf(back.changes) });
    },
  });
  if (outcome.rolledBack) throw new RolledBack(outcome.error!, outcome.rolledBackTo);
  return Object.fromEntries(Object.entries(outcome.result!.outputs).map(([k, v]) => [k, v.value]));
}

/** Thrown when an up failed and the last good config was restored. */
export class RolledBack extends Error {
  constructor(
    override readonly cause: Error,
    /** Which update was rolled back to, e.g. `update #3 started 2026-12-01T23:40:12.000Z`. */
    readonly rolledBackTo?: string,
  ) {
    const to = rolledBackTo ? ` (${rolledBackTo})` : "";
    super(`the update failed and was rolled back to the last good config${to}:\n${cause.message}`);
    this.name = "RolledBack";
  }
}
