/** Runs one step of a slow test and records how long it took. */
export type Timed = <T>(label: string, step: () => Promise<T>) => Promise<T>;

/**
 * The seconds each step of a slow test took, by label (set also when the step fails), and the
 * function that times a step: what a consumer test prints at its end.
 */
export function stepTimer(): { readonly timings: Record<string, number>; readonly timed: Timed } {
  const timings: Record<string, number> = {};
  const timed: Timed = async (label, step) => {
    const start = Date.now();
    try {
      return await step();
    } finally {
      timings[label] = (Date.now() - start) / 1000;
    }
  };
  return { timings, timed };
}

/** Fails a step clearly when the one it builds on failed, instead of with a confusing error. */
export function needs(ok: unknown, what: string): void {
  if (!ok) throw new Error(`cannot run: ${what} failed (see the earlier test)`);
}
