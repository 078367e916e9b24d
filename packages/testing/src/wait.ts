/** Options of {@link waitFor}. */
export interface WaitOptions {
  /** Give up after this long. @default 60000 */
  readonly timeoutMs?: number;
  /** Pause between checks. @default 500 */
  readonly intervalMs?: number;
  /**
   * Checked before every attempt: a reason (e.g. "the server process exited") gives up at once
   * with that reason instead of waiting out the timeout for something that cannot happen.
   */
  readonly abortIf?: () => string | undefined;
}

/**
 * Polls `check` until it returns a truthy value, and returns that value. A check that throws is
 * retried; when the time is up, the error says what was awaited and the last error seen.
 *
 * @param what what is awaited, for the timeout message ("3 serving pods").
 * @example
 * const pods = await waitFor("3 ready pods", async () => {
 *   const ready = (await listPods()).filter(isReady);
 *   return ready.length === 3 && ready;
 * });
 */
export async function waitFor<T>(
  what: string,
  check: () =>
    Promise<T | undefined | false | null | 0 | ""> | T | undefined | false | null | 0 | "",
  opts: WaitOptions = {},
): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    const reason = opts.abortIf?.();
    if (reason !== undefined) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs / 1000} s waiting for ${what}${last ? `: ${String(last)}` : ""}`,
      );
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 500));
  }
}
