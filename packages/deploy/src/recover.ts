import type { Stack, Workspace } from "@pulumi/pulumi/automation";
import {
  StackLocked,
  inspectLocks,
  lockDir,
  recoveryDecision,
  type InspectedLock,
  type Machine,
  type RecoveryDecision,
} from "./locks";

/**
 * The backend a stack lives in, as its Pulumi CLI sees it: PULUMI_BACKEND_URL of the stack's
 * workspace or of this process, else the one `pulumi login` chose (`pulumi whoami`).
 */
export async function backendUrlOf(stack: Stack): Promise<string> {
  return workspaceBackendUrl(stack.workspace);
}

/** {@link backendUrlOf} for a workspace. */
export async function workspaceBackendUrl(ws: Workspace | undefined): Promise<string> {
  const env = (ws as { envVars?: Record<string, string> } | undefined)?.envVars;
  const fromEnv = env?.PULUMI_BACKEND_URL ?? process.env.PULUMI_BACKEND_URL;
  if (fromEnv || !ws) return fromEnv ?? "";
  return (await ws.whoAmI()).url ?? "";
}

/**
 * The locks of a stack and what is known of their holders; undefined when the backend's locks
 * cannot be read (not a `file://` backend).
 */
export function stackLocks(
  stackName: string,
  backendUrl: string,
  machine?: Machine,
): InspectedLock[] | undefined {
  const dir = lockDir(backendUrl, stackName);
  return dir === undefined ? undefined : inspectLocks(dir, machine);
}

/**
 * Fails at once, before any preview, when the stack is locked: the error names each holder,
 * whether it still runs, and the command that recovers a dead one. Without it the preview would
 * run (previews take no lock) and only the up would fail, with Pulumi's bare lock message.
 */
export function assertUnlocked(stackName: string, backendUrl: string, recover: string): void {
  const locks = stackLocks(stackName, backendUrl) ?? [];
  if (locks.length > 0) throw new StackLocked(stackName, locks, recover);
}

/**
 * Why the stack's state may not match the cluster, or undefined when it does as far as the
 * history tells: its newest operation (up, refresh, destroy) did not succeed. A cancelled or
 * failed update records what the engine finished, not what it had already sent: after a Ctrl-C
 * during a Deployment's rollout the cluster runs the new template while the state still holds
 * the old one, and an up of the old config then sees no change and leaves the cluster as it is.
 */
export async function staleStateReason(stack: Stack): Promise<string | undefined> {
  const [last] = await stack.history(1, 1, false);
  if (!last || last.result === "succeeded") return undefined;
  return `its last ${last.kind} (started ${new Date(last.startTime).toISOString()}) ${last.result === "failed" ? "failed or was cancelled" : `is ${last.result}`}`;
}

/**
 * Refreshes the stack's state from the cluster when its last operation did not succeed (see
 * {@link staleStateReason}), so the up that follows diffs against what really runs. Returns
 * whether it refreshed.
 */
export async function refreshIfStale(
  stack: Stack,
  onOutput?: (s: string) => void,
  /** {@link staleStateReason}'s answer when the caller already has it. */
  known?: { readonly reason: string | undefined },
): Promise<boolean> {
  const reason = known ? known.reason : await staleStateReason(stack);
  if (!reason) return false;
  onOutput?.(
    `\nthe state of ${stack.name} may not match the cluster: ${reason}; refreshing it from the cluster first\n`,
  );
  await stack.refresh(onOutput ? { onOutput } : {});
  return true;
}

/** A pending operation left in the state by an update that did not finish. */
export interface PendingOperation {
  readonly type: string;
  readonly urn: string;
}

/** The pending operations of an exported state (`deployment.pending_operations`). */
export function pendingOperations(state: unknown): PendingOperation[] {
  const ops =
    (
      state as {
        deployment?: { pending_operations?: { type?: string; resource?: { urn?: string } }[] };
      }
    )?.deployment?.pending_operations ?? [];
  return ops.map((op) => ({ type: String(op.type), urn: String(op.resource?.urn) }));
}

/** What {@link recoverStack} found and did. */
export interface RecoverReport {
  readonly locks: InspectedLock[];
  readonly decision: RecoveryDecision;
  /** Whether the locks were released. */
  readonly released: boolean;
  /** Pending operations found in the state before the refresh. */
  readonly pending: PendingOperation[];
  /** Whether the state was refreshed against the cluster. */
  readonly refreshed: boolean;
  /** Resources per operation of the refresh. */
  readonly refreshChanges?: Record<string, number>;
}

/**
 * Recovers a stack whose update was killed: releases its locks when every holder is provably
 * dead (see {@link recoveryDecision}), then refreshes the state so the operations the killed
 * update left pending are resolved against the cluster: pending updates and deletes by reading
 * the objects back, pending creates by dropping them (`--clear-pending-creates`: the object may
 * or may not exist, and the next up creates what the program declares). Never touches a live
 * lock or one from another host; then it only reports.
 */
export async function recoverStack(
  stack: Stack,
  opts: { onOutput?: (s: string) => void; machine?: Machine; backendUrl?: string } = {},
): Promise<RecoverReport> {
  const backend = opts.backendUrl ?? (await backendUrlOf(stack));
  const locks = stackLocks(stack.name, backend, opts.machine);
  if (locks === undefined) {
    const decision: RecoveryDecision = {
      action: "refuse",
      reason: `the backend ${backend} is not a file:// backend, whose locks this tool cannot inspect: use that backend's own tools (\`pulumi cancel\` once you know the update is gone)`,
    };
    return { locks: [], decision, released: false, pending: [], refreshed: false };
  }
  const decision = recoveryDecision(locks);
  if (decision.action === "refuse") {
    return { locks, decision, released: false, pending: [], refreshed: false };
  }
  if (decision.action === "release") {
    // `pulumi cancel` deletes every lock file of the stack. Safe here: every lock is dead, and no
    // new update can lock the stack while a foreign lock exists (the backend checks for other
    // locks before and after writing its own, and backs off when it finds one).
    await stack.cancel();
  }
  const pending = pendingOperations(await stack.exportStack());
  const result = await stack.refresh({
    clearPendingCreates: true,
    ...(opts.onOutput ? { onOutput: opts.onOutput } : {}),
  });
  return {
    locks,
    decision,
    released: decision.action === "release",
    pending,
    refreshed: true,
    refreshChanges: result.summary.resourceChanges ?? {},
  };
}

/** The report of a recovery, for the terminal. */
export function formatRecoverReport(stack: string, r: RecoverReport): string[] {
  const lines = [`recover ${stack}:`];
  if (r.decision.action === "refuse") {
    lines.push(`  refused: ${r.decision.reason}`);
    return lines;
  }
  lines.push(
    r.released
      ? `  released ${r.locks.length} lock(s): ${r.decision.reason}`
      : "  no lock to release",
  );
  lines.push(
    r.pending.length
      ? `  pending operations found: ${r.pending.map((p) => `${p.type} ${p.urn}`).join(", ")}`
      : "  no pending operations in the state",
  );
  const creates = r.pending.filter((p) => p.type === "creating");
  if (creates.length) {
    lines.push(
      `  dropped ${creates.length} pending create(s) from the state; if the object exists in the cluster it is no longer managed: check and delete it (the next up creates what the program declares)`,
    );
  }
  if (r.refreshed) {
    const changes = Object.entries(r.refreshChanges ?? {})
      .map(([op, n]) => `${op} ${n}`)
      .join(", ");
    lines.push(`  refreshed the state from the cluster (${changes || "no changes"})`);
  }
  lines.push("  the next `steady-deploy up` continues from here");
  return lines;
}
