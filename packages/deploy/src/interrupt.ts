/**
 * One place that decides when a run stops early, and how.
 *
 * Every Pulumi CLI process the deployer starts listens to {@link runSignal} (see
 * pulumi-process.ts): when it aborts, each running `pulumi` gets exactly one SIGINT, which is
 * Pulumi's graceful cancel (the engine stops starting new steps, waits for the ones in flight,
 * writes the checkpoint and releases the stack's lock), and no new `pulumi` process starts.
 *
 * Who aborts:
 * - {@link installInterruptHandlers}: SIGINT or SIGTERM to the deployer (Ctrl-C, a CI runner
 *   cancelling the job).
 * - any other code, through {@link abortRun} (a watchdog that gives up on an up after a
 *   deadline, say): `abortRun("the up ran past its 20 min budget")`.
 *
 * A second signal, or {@link HARD_STOP_AFTER_MS} without the cancel finishing, ends the run hard
 * (see {@link installInterruptHandlers}).
 */

/** Exit code after SIGINT: 128 + 2, what a shell reports for a process ended by Ctrl-C. */
export const EXIT_SIGINT = 130;
/** Exit code after SIGTERM: 128 + 15. */
export const EXIT_SIGTERM = 143;

/**
 * How long the graceful cancel may take before the run is ended hard. Plain `pulumi up` releases
 * the lock about 1 s after a Ctrl-C on the local cluster; the provider may need some seconds
 * more to return from its in-flight calls on a busy machine. 30 s leaves room for that and is
 * still short enough for an operator at a terminal. A CI runner that sends SIGTERM after SIGINT
 * ends the run hard at its second signal anyway. Override with STEADY_CANCEL_TIMEOUT_SECONDS.
 */
export const HARD_STOP_AFTER_MS = 30_000;

/** Why the run was aborted. */
export interface AbortReason {
  /** Human-readable: "SIGINT received", "the up ran past its deadline". */
  readonly message: string;
  /** The signal that caused it, when one did. */
  readonly signal?: "SIGINT" | "SIGTERM";
}

let controller = new AbortController();
let reason: AbortReason | undefined;

/** The process-wide signal every Pulumi command of this run listens to. */
export function runSignal(): AbortSignal {
  return controller.signal;
}

/**
 * Asks the current run to stop: each running `pulumi` command gets one SIGINT (a graceful
 * cancel that releases the stack's lock), and no new one starts. The first reason wins; later
 * calls are no-ops. Safe to call from anywhere, any number of times.
 */
export function abortRun(message: string, signal?: "SIGINT" | "SIGTERM"): void {
  if (reason) return;
  reason = { message, ...(signal ? { signal } : {}) };
  controller.abort(new RunAborted(reason));
}

/** Why the run was aborted, or undefined while it was not. */
export function abortReason(): AbortReason | undefined {
  return reason;
}

/** The exit code for an aborted run: 130 after SIGINT, 143 after SIGTERM, 1 otherwise. */
export function abortExitCode(r: AbortReason | undefined = reason): number {
  if (r?.signal === "SIGINT") return EXIT_SIGINT;
  if (r?.signal === "SIGTERM") return EXIT_SIGTERM;
  return 1;
}

/** Thrown instead of starting a Pulumi command once the run was aborted. */
export class RunAborted extends Error {
  constructor(readonly reason: AbortReason) {
    super(`the run was stopped: ${reason.message}`);
    this.name = "RunAborted";
  }
}

/** A child process the hard stop must end: its process group id (the child leads its group). */
interface Tracked {
  readonly pid: number;
  /** Sends the child's whole process group a signal. */
  readonly kill: (signal: NodeJS.Signals) => void;
  readonly exited: Promise<void>;
}

const children = new Set<Tracked>();

/** Registers a running child for the hard stop; returns the function that unregisters it. */
export function trackChild(child: Tracked): () => void {
  children.add(child);
  return () => children.delete(child);
}

/** Number of tracked children still running (for tests and the hard-stop message). */
export function runningChildren(): number {
  return children.size;
}

/**
 * Ends every tracked child: a second SIGINT first (Pulumi's "terminate immediately", which still
 * tries to release the lock), then SIGKILL to the groups of those still running after `graceMs`.
 */
export async function endChildrenHard(graceMs = 3000): Promise<void> {
  const all = [...children];
  for (const c of all) c.kill("SIGINT");
  await Promise.race([
    Promise.all(all.map((c) => c.exited)),
    new Promise((r) => setTimeout(r, graceMs).unref()),
  ]);
  for (const c of all) if (children.has(c)) c.kill("SIGKILL");
}

/** Options of {@link installInterruptHandlers}. */
export interface InterruptOptions {
  /** Milliseconds the graceful cancel may take. @default HARD_STOP_AFTER_MS (or the env override) */
  readonly hardStopAfterMs?: number;
  /** Lines to print when the run is ended hard: what state the stack may be in, what to run. */
  readonly onHardStop?: (why: string) => Promise<string[]> | string[];
  /** Where messages go. @default stderr */
  readonly say?: (line: string) => void;
  /** Ends the process. @default process.exit */
  readonly exit?: (code: number) => void;
}

/**
 * Turns SIGINT and SIGTERM into {@link abortRun} (a graceful cancel of the Pulumi commands), and
 * a second signal or the timeout into a hard stop: the children are ended, `onHardStop`'s lines
 * printed, and the process exits with 130 (SIGINT first) or 143 (SIGTERM first). Returns the
 * function that removes the handlers.
 */
export function installInterruptHandlers(opts: InterruptOptions = {}): () => void {
  const say = opts.say ?? ((l: string) => process.stderr.write(`${l}\n`));
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const envTimeout = Number(process.env.STEADY_CANCEL_TIMEOUT_SECONDS);
  const graceMs =
    opts.hardStopAfterMs ??
    (Number.isFinite(envTimeout) && envTimeout > 0 ? envTimeout * 1000 : HARD_STOP_AFTER_MS);
  let timer: NodeJS.Timeout | undefined;
  let hardStopping = false;
  const hardStop = async (why: string) => {
    if (hardStopping) return;
    hardStopping = true;
    say(`\nsteady-deploy: ${why}; ending the run now`);
    await endChildrenHard();
    for (const line of (await opts.onHardStop?.(why)) ?? []) say(line);
    exit(abortExitCode());
  };
  const onSignal = (signal: "SIGINT" | "SIGTERM") => {
    if (abortReason()) {
      void hardStop(`${signal} received again`);
      return;
    }
    say(
      `\nsteady-deploy: ${signal} received; cancelling the Pulumi operation gracefully ` +
        `(it releases the stack's lock). Send ${signal} again to end it at once.`,
    );
    abortRun(`${signal} received`, signal);
    timer = setTimeout(
      () => void hardStop(`the cancel did not finish within ${graceMs / 1000} s`),
      graceMs,
    );
    timer.unref();
  };
  const onInt = () => onSignal("SIGINT");
  const onTerm = () => onSignal("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
    if (timer) clearTimeout(timer);
  };
}

/** Starts a fresh run: a new signal, no reason. For tests and long-lived callers. */
export function resetRun(): void {
  controller = new AbortController();
  reason = undefined;
}
