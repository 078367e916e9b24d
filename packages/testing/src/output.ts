/** What {@link captureOutput} collected, and how to put the streams back. */
export interface CapturedOutput {
  /** Every chunk written to stdout since the capture began, as strings. */
  readonly out: string[];
  /** Every chunk written to stderr since the capture began, as strings. */
  readonly err: string[];
  /** Puts the real `write` functions back; call it in a `finally`. */
  restore(): void;
}

/**
 * Captures what a CLI's `main` writes to `process.stdout` and `process.stderr` (nothing reaches
 * the terminal until `restore`), so a test can assert on its exact output.
 *
 * @example
 * const c = captureOutput();
 * try { expect(await main(["status"])).toBe(0); } finally { c.restore(); }
 * expect(c.out.join("")).toContain("running");
 */
export function captureOutput(): CapturedOutput {
  const out: string[] = [];
  const err: string[] = [];
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  const into = (chunks: string[]) =>
    ((chunk: unknown) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stdout.write = into(out);
  process.stderr.write = into(err);
  return {
    out,
    err,
    restore: () => {
      process.stdout.write = realOut;
      process.stderr.write = realErr;
    },
  };
}
