/** Lifecycle events the app reports. Requests are not logged: probes alone would drown these. */
export type LifecycleEvent = "started" | "draining" | "drained" | "exit";

/**
 * Reports one lifecycle event.
 * @param event what happened.
 * @param msg one human-readable sentence.
 * @param fields machine-readable details, merged into the log line.
 */
export type Logger = (event: LifecycleEvent, msg: string, fields?: Record<string, unknown>) => void;

/**
 * Creates a logger that writes one JSON object per line, the format log collectors on
 * Kubernetes parse without configuration.
 * @param write receives each line, newline included; defaults to stdout, which is synchronous
 *   for files and pipes on Linux, so a line written just before `process.exit` is not lost.
 */
export function createJsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
): Logger {
  return (event, msg, fields = {}) => {
    write(`${JSON.stringify({ time: new Date().toISOString(), event, msg, ...fields })}\n`);
  };
}
