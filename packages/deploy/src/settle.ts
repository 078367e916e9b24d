/** How an awaited operation ended: its result, or the error it failed with (never both). */
export interface Settled<T> {
  /** What it resolved to; absent when it failed or resolved to `undefined`. */
  readonly result?: T;
  /** Why it failed; absent when it succeeded. */
  readonly error?: Error;
}

/**
 * Runs `update` and keeps its error instead of throwing it, for callers that must finish their
 * own work (stop the watchers and write the rollout reports, count the requests the update
 * broke) whether it failed or not, and then report the failure. A thrown value that is not an
 * Error is wrapped in one, so a failure is never mistaken for a success.
 */
export async function settle<T>(update: () => Promise<T>): Promise<Settled<T>> {
  try {
    const result = await update();
    return result !== undefined ? { result } : {};
  } catch (e) {
    return { error: e instanceof Error ? e : new Error(String(e)) };
  }
}
