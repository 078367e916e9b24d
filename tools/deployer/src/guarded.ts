import type { Stack } from "@pulumi/pulumi/automation";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { ReplacementGuard, formatOffenders, type Offender } from "./guard";
import { stateDir } from "./paths";
import { upWithRollback } from "./rollback";

/** Where the reviewed plan of a stack is kept between `preview` and `up`. */
export function planPath(stack: Stack): string {
  const dir = join(stateDir(), "plans");
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
    /** Cancels the preview (SIGINT to the CLI) when it aborts. */
    signal?: AbortSignal;
  } = {},
): Promise<{ plan: string; changes: Record<string, number> }> {
  const guard = new ReplacementGuard(new Set(opts.allow ?? []));
  const plan = planPath(stack);
  const result = await stack.preview({
    onEvent: guard.onEvent,
    plan,
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    ...(opts.policyPacks ? { policyPacks: opts.policyPacks } : {}),
    ...(opts.policyPackConfigs ? { policyPackConfigs: opts.policyPackConfigs } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  const changes = result.changeSummary as Record<string, number>;
  if (guard.offenders.length > 0) throw new ReplacementRefused(guard.offenders, changes);
  return { plan, changes };
}

/**
 * A guarded preview, then `up` of exactly the reviewed plan. With `rollbackOnFailure`, a failed
 * up puts back the config of the last successful update and ups again (then throws
 * RolledBack); every success is remembered as the last good config.
 */
export async function guardedUp(
  stack: Stack,
  opts: {
    allow?: readonly string[];
    onOutput?: (s: string) => void;
    rollbackOnFailure?: boolean;
    policyPacks?: string[];
    policyPackConfigs?: string[];
    /** Called with the guarded preview's result before the update starts. */
    onPreview?: (preview: { plan: string; changes: Record<string, number> }) => void;
    /** Cancels the preview, the update and any rollback when it aborts. */
    signal?: AbortSignal;
  } = {},
): Promise<Record<string, unknown>> {
  const preview = await guardedPreview(stack, opts);
  opts.onPreview?.(preview);
  const { plan } = preview;
  const outcome = await upWithRollback(stack, {
    plan,
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    noRollback: !opts.rollbackOnFailure,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (outcome.rolledBack) throw new RolledBack(outcome.error!);
  return Object.fromEntries(Object.entries(outcome.result!.outputs).map(([k, v]) => [k, v.value]));
}

/** Thrown when an up failed and the last good config was restored. */
export class RolledBack extends Error {
  constructor(override readonly cause: Error) {
    super(`the update failed and was rolled back to the last good config:\n${cause.message}`);
    this.name = "RolledBack";
  }
}
