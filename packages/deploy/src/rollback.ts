import type { ConfigMap, Stack, UpResult, UpdateSummary } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { abortReason } from "./interrupt";

/** What happened in {@link upWithRollback}. */
export interface RollbackOutcome {
  /** The up's result when it succeeded. */
  readonly result?: UpResult;
  /** The up's error when it failed. */
  readonly error?: Error;
  /** Whether the last good config was re-applied after a failure. */
  readonly rolledBack: boolean;
  /** The update rolled back to (`update #3 started 2026-…`), when it came from the history. */
  readonly rolledBackTo?: string;
  /** Milliseconds from the start of the up to its failure. */
  readonly failedAfterMs?: number;
}

/**
 * Config as the history lists it: like the SDK's ConfigMap, but a secret read without
 * `--show-secrets` has no value (the CLI omits it; the SDK's type says it is always there).
 */
export type HistoryConfig = Record<string, { value?: string; secret?: boolean }>;

/** The last update of a stack that succeeded, from the backend's history. */
export interface LastGood {
  /** The update's number in `pulumi stack history` (the file backend numbers none: 0). */
  readonly version?: number;
  /** When the update started. */
  readonly startTime?: Date;
  /** Its config; secret keys carry `secret: true` and no value (the history is read without secrets). */
  readonly config: HistoryConfig;
}

/**
 * The newest successful `update` in the stack's history. The backend records each update's
 * config with it (`pulumi stack history --json`), so any machine that reaches the backend finds
 * the same last good config; nothing is kept on the deploying machine. The history is read
 * WITHOUT `--show-secrets`: secret keys come back as `{ secret: true }` without a value, and
 * {@link restoreConfig} keeps their current (encrypted) value.
 */
export async function lastGoodUpdate(stack: Stack): Promise<LastGood | undefined> {
  const history: UpdateSummary[] = await stack.history(undefined, undefined, false);
  return lastGoodIn(history);
}

/**
 * The newest succeeded `update` of a history. The file backend numbers no update (version 0), so
 * the start time decides, and on a tie the CLI's order (newest first).
 */
export function lastGoodIn(history: readonly UpdateSummary[]): LastGood | undefined {
  const good = [...history]
    .filter((u) => u.kind === "update" && u.result === "succeeded")
    .sort((a, b) => (b.version ?? 0) - (a.version ?? 0) || +b.startTime - +a.startTime)[0];
  if (!good) return undefined;
  return {
    ...(good.version ? { version: good.version } : {}),
    startTime: new Date(good.startTime),
    config: good.config ?? {},
  };
}

/** `update #3 started 2026-12-01T23:40:12.000Z`, or undefined for a config the caller gave. */
function describeUpdate(u: LastGood): string | undefined {
  if (!u.startTime && !u.version) return undefined;
  const started = u.startTime ? ` started ${u.startTime.toISOString()}` : "";
  return `${u.version ? `update #${u.version}` : "the update"}${started}`;
}

/** The stack's config file in its work directory: `Pulumi.<stack>.yaml`. */
function stackFile(stack: Stack): string {
  const workDir = (stack.workspace as { workDir?: string }).workDir;
  if (!workDir) throw new Error(`the workspace of ${stack.name} has no work directory`);
  return join(workDir, `Pulumi.${stack.name.split("/").pop()}.yaml`);
}

type Yaml = Record<string, unknown>;

/**
 * Makes the stack's config `config`, writing the stack file directly so no secret passes through
 * a command line or a file in plain text: plain keys take their value from `config`, keys it
 * lacks are removed, and each secret key keeps the ciphertext the stack file already has. A
 * secret the file lacks is set through the CLI when `config` carries its value, and is an error
 * (naming the key and how to set it) when it does not.
 */
export async function restoreConfig(stack: Stack, config: HistoryConfig): Promise<void> {
  const file = stackFile(stack);
  const current = (existsSync(file) ? (yaml.load(readFileSync(file, "utf8")) ?? {}) : {}) as Yaml;
  const currentConfig = (current.config ?? {}) as Yaml;
  const isSecure = (v: unknown) => typeof v === "object" && v !== null && "secure" in v;
  const next: Yaml = {};
  const toSet: [string, string][] = [];
  const missing: string[] = [];
  for (const [key, v] of Object.entries(config)) {
    if (!v.secret) next[key] = v.value ?? "";
    else if (isSecure(currentConfig[key])) next[key] = currentConfig[key];
    else if (v.value !== undefined) toSet.push([key, v.value]);
    else missing.push(key);
  }
  if (missing.length) {
    throw new Error(
      `cannot restore the last good config: its secret(s) ${missing.join(", ")} are not set on this stack; set each with \`pulumi config set --secret <key>\` in ${join(file, "..")} (they are never copied in plain text)`,
    );
  }
  writeFileSync(file, yaml.dump({ ...current, config: next }));
  for (const [key, value] of toSet) await stack.setConfig(key, { value, secret: true });
}

/** Makes the stack's config exactly `config`: keys it lacks are removed. */
export async function replaceConfig(stack: Stack, config: ConfigMap): Promise<void> {
  await restoreConfig(stack, config);
}

/** Thrown when the rollback after a failed up failed as well. */
export class RollbackFailed extends Error {
  constructor(
    readonly updateError: Error,
    override readonly cause: Error,
  ) {
    super(
      `the update failed, and so did the rollback to the last good config:\n  rollback: ${cause.message}\n  update: ${updateError.message}`,
    );
    this.name = "RollbackFailed";
  }
}

/**
 * `pulumi up` of the stack as configured; if it fails (a rollout that stalls past its progress
 * deadline, say) and a last good config is known, put that config back and apply it again with
 * `reapply` (the caller's guarded preview and planned up; a plain up by default), so the cluster
 * and the stack's state both return to the last good version. The last good config is `lastGood`
 * when given, else the newest successful update in the stack's history. An interrupted up
 * (interrupt.ts) is never rolled back: the operator asked it to stop.
 */
export async function upWithRollback(
  stack: Stack,
  opts: {
    lastGood?: ConfigMap;
    onOutput?: (s: string) => void;
    plan?: string;
    noRollback?: boolean;
    reapply?: (stack: Stack) => Promise<unknown>;
    /** `pulumi up --parallel` of the update. @default - Pulumi's */
    parallel?: number;
  } = {},
): Promise<RollbackOutcome> {
  const out = opts.onOutput ? { onOutput: opts.onOutput } : {};
  const started = Date.now();
  try {
    const result = await stack.up({
      ...out,
      ...(opts.plan ? { plan: opts.plan } : {}),
      ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
    });
    return { result, rolledBack: false };
  } catch (e) {
    const failedAfterMs = Date.now() - started;
    if (opts.noRollback || abortReason()) throw e;
    const lastGood: LastGood | undefined = opts.lastGood
      ? { config: opts.lastGood }
      : await lastGoodUpdate(stack);
    if (!lastGood) {
      opts.onOutput?.("\nthe update failed; the stack has no successful update to roll back to\n");
      throw e;
    }
    const which = describeUpdate(lastGood);
    opts.onOutput?.(
      `\nthe update failed; rolling back to the last good config${which ? ` (${which})` : ""}\n`,
    );
    try {
      await restoreConfig(stack, lastGood.config);
      await (opts.reapply ?? ((s: Stack) => s.up(out)))(stack);
    } catch (rollbackError) {
      throw new RollbackFailed(e as Error, rollbackError as Error);
    }
    return {
      error: e as Error,
      rolledBack: true,
      failedAfterMs,
      ...(which ? { rolledBackTo: which } : {}),
    };
  }
}
