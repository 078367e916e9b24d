import type { ConfigMap, Stack, UpResult } from "@pulumi/pulumi/automation";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "./paths";

/** What happened in {@link upWithRollback}. */
export interface RollbackOutcome {
  /** The up's result when it succeeded. */
  readonly result?: UpResult;
  /** The up's error when it failed. */
  readonly error?: Error;
  /** Whether the last good config was re-applied after a failure. */
  readonly rolledBack: boolean;
  /** Milliseconds from the start of the up to its failure. */
  readonly failedAfterMs?: number;
}

function lastGoodFile(stack: Stack): string {
  return join(stateDir(), "last-good", `${stack.name.replace(/\//g, "_")}.json`);
}

/** Remembers the stack's current config as the last one that deployed successfully. */
export async function rememberLastGood(stack: Stack): Promise<void> {
  const file = lastGoodFile(stack);
  mkdirSync(join(file, ".."), { recursive: true });
  writeFileSync(file, JSON.stringify(await stack.getAllConfig(), null, 2) + "\n");
}

/** The config of the stack's last successful update through this tool, if any. */
export function lastGoodConfig(stack: Stack): ConfigMap | undefined {
  const file = lastGoodFile(stack);
  return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ConfigMap) : undefined;
}

/** Makes the stack's config exactly `config`: keys it lacks are removed. */
export async function replaceConfig(stack: Stack, config: ConfigMap): Promise<void> {
  for (const key of Object.keys(await stack.getAllConfig())) {
    if (!(key in config)) await stack.removeConfig(key);
  }
  await stack.setAllConfig(config);
}

/**
 * `pulumi up` of the stack as configured; if it fails (a rollout that stalls past its progress
 * deadline, say) and a last good config is known, put that config back and `up` again, so the
 * cluster and the stack's state both return to the last good version. The failed up's error is
 * kept for the report. A success becomes the new last good config.
 */
export async function upWithRollback(
  stack: Stack,
  opts: {
    lastGood?: ConfigMap;
    onOutput?: (s: string) => void;
    plan?: string;
    noRollback?: boolean;
    /** Cancels the up (and the rollback) when it aborts. */
    signal?: AbortSignal;
  } = {},
): Promise<RollbackOutcome> {
  const out = {
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  };
  const lastGood = opts.lastGood ?? lastGoodConfig(stack);
  const started = Date.now();
  try {
    const result = await stack.up({ ...out, ...(opts.plan ? { plan: opts.plan } : {}) });
    await rememberLastGood(stack);
    return { result, rolledBack: false };
  } catch (e) {
    const failedAfterMs = Date.now() - started;
    // A cancelled update is not rolled back: what cancelled it (an unreachable cluster, an
    // interrupt) would stop the rollback too, and the Automation API only signals a CLI that
    // is running when the abort happens, so a rollback started after it could not be stopped.
    if (!lastGood || opts.noRollback || opts.signal?.aborted) throw e;
    opts.onOutput?.("\nthe update failed; rolling back to the last good config\n");
    await replaceConfig(stack, lastGood);
    await stack.up(out);
    return { error: e as Error, rolledBack: true, failedAfterMs };
  }
}
