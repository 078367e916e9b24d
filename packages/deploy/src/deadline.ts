/**
 * The outage bound of `steady-deploy up`: while an update runs, the cluster's API server is
 * probed; when it has not answered well for a while, the update is cancelled and the command
 * fails saying the cluster is unreachable, instead of waiting for as long as the engine does.
 *
 * Why the command cannot rely on the Kubernetes provider's own timeout (pulumi.com/timeoutSeconds,
 * customTimeouts): pulumi-kubernetes v4.25.0 starts the timer of its Deployment wait only after
 * its informers for Deployments, ReplicaSets, Pods and PersistentVolumeClaims have synced
 * (`informers.Factory.Subscribe` calls `cache.WaitForCacheSync` on the provider's lifetime
 * context, not on the operation's). When the API server goes away between the apply and that
 * sync, the informers retry their first list for ever and the timer never starts: `pulumi up`
 * does not return. Cancelling the update (SIGINT to the CLI, which is what the Automation API's
 * `signal` does) makes the engine call the provider's Cancel, which ends that context and
 * unblocks it.
 */

/** How the outage bound is made up; one place for each number. */
export const OUTAGE_BOUND = {
  /**
   * Seconds the API server may go without a good answer before the update is cancelled; a
   * restart of the API server (a few seconds) stays well inside it and does not fail the update.
   */
  toleranceSeconds: 30,
  /** Seconds between two probes of the API server (`GET /readyz`). */
  probeIntervalSeconds: 2,
  /** Seconds one probe waits for an answer. */
  probeTimeoutSeconds: 5,
  /**
   * Seconds the cancelled update gets to stop on its own (the engine waits for the provider to
   * return); after that steady-deploy exits anyway, and the CLI is terminated with it.
   */
  cancelGraceSeconds: 20,
} as const;

/** Settings of {@link OUTAGE_BOUND}'s shape. */
export type OutageBound = { readonly [K in keyof typeof OUTAGE_BOUND]: number };

/**
 * The most seconds `up` can take to fail after the API server stops answering:
 * tolerance + probe interval + probe timeout + cancel grace (57 s with the defaults).
 */
export function outageBoundSeconds(b: OutageBound = OUTAGE_BOUND): number {
  return b.toleranceSeconds + b.probeIntervalSeconds + b.probeTimeoutSeconds + b.cancelGraceSeconds;
}

/** Thrown when the update was cancelled because the cluster's API server stopped answering. */
export class ClusterUnreachable extends Error {
  constructor(
    /** The API server's URL. */
    readonly server: string,
    /** What the last probe got instead of a good answer. */
    readonly answer: string,
    /** Milliseconds since the last good answer (or since the watch began). */
    readonly silentMs: number,
    /** Whether the update stopped within the cancel grace. */
    readonly stopped = true,
    /** The cancelled update's own error, when it ended with one. */
    readonly updateError?: Error,
  ) {
    super(
      `the cluster is unreachable: its API server ${server} gave no good answer for ` +
        `${Math.round(silentMs / 1000)} s (last answer: ${answer}); the update was cancelled` +
        (stopped
          ? ""
          : " and did not stop in time, so it was terminated (the next run may report pending operations)") +
        ". What was applied before stays in the stack's state: run the same command again once " +
        `the API server answers (GET ${server}/readyz).` +
        // The update's own error repeats its whole output, which was shown as it ran.
        (updateError ? " The update's own output is above." : ""),
    );
    this.name = "ClusterUnreachable";
  }
}

/** What probes the API server: resolves when it answers well, rejects with what it answered. */
export type Probe = () => Promise<unknown>;

/** A running reachability watch. */
export interface ReachabilityWatch {
  /** Stops probing. */
  stop(): void;
  /** The verdict, once the server has been silent for the tolerance. */
  readonly tripped: ClusterUnreachable | undefined;
}

/** The first line of an error, shortened: what a probe "answered". */
export function describeAnswer(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const line = text.split("\n").find((l) => l.trim()) ?? text;
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

/**
 * Probes the API server every `probeIntervalSeconds` and calls `abort` (an AbortController's
 * `abort`, or anything that cancels the update) once, when no probe has succeeded for
 * `toleranceSeconds`. Probes never overlap; timers do not keep the process alive.
 */
export function watchReachability(opts: {
  readonly server: string;
  readonly probe: Probe;
  readonly abort: (reason: ClusterUnreachable) => void;
  readonly bound?: OutageBound;
  readonly now?: () => number;
}): ReachabilityWatch {
  const b = opts.bound ?? OUTAGE_BOUND;
  const now = opts.now ?? Date.now;
  let lastGood = now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let tripped: ClusterUnreachable | undefined;
  const schedule = () => {
    if (stopped || tripped) return;
    timer = setTimeout(tick, b.probeIntervalSeconds * 1000);
    timer.unref();
  };
  const tick = () => {
    opts.probe().then(
      () => {
        lastGood = now();
        schedule();
      },
      (e: unknown) => {
        const silent = now() - lastGood;
        if (!stopped && silent >= b.toleranceSeconds * 1000) {
          tripped = new ClusterUnreachable(opts.server, describeAnswer(e), silent);
          opts.abort(tripped);
        }
        schedule();
      },
    );
  };
  schedule();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
    get tripped() {
      return tripped;
    },
  };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: Error };

/**
 * Runs `run` (an update) under the outage bound: `run` gets a signal that aborts when the API
 * server has not answered well for `toleranceSeconds` (or when `signal` aborts, e.g. on
 * SIGINT). After such an outage the run gets `cancelGraceSeconds` to stop, then this throws
 * {@link ClusterUnreachable} whether or not it stopped; a run that still finished successfully
 * returns its result.
 */
export async function withOutageBound<T>(
  run: (signal: AbortSignal) => Promise<T>,
  opts: {
    readonly server: string;
    readonly probe: Probe;
    readonly bound?: OutageBound;
    /** Aborts the run too (another reason to cancel, such as an interrupt). */
    readonly signal?: AbortSignal;
    /** Told when the outage is detected, before the update is cancelled. */
    readonly onTrip?: (e: ClusterUnreachable) => void;
  },
): Promise<T> {
  const b = opts.bound ?? OUTAGE_BOUND;
  const controller = new AbortController();
  const signal = opts.signal
    ? AbortSignal.any([opts.signal, controller.signal])
    : controller.signal;
  let onOutage: (e: ClusterUnreachable) => void = () => undefined;
  const outage = new Promise<ClusterUnreachable>((resolve) => (onOutage = resolve));
  const watch = watchReachability({
    server: opts.server,
    probe: opts.probe,
    bound: b,
    abort: (reason) => {
      opts.onTrip?.(reason);
      controller.abort(reason);
      onOutage(reason);
    },
  });
  const settled: Promise<Settled<T>> = run(signal).then(
    (value) => ({ ok: true, value }),
    (error: Error) => ({ ok: false, error }),
  );
  let grace: NodeJS.Timeout | undefined;
  try {
    const first = await Promise.race([settled, outage]);
    const tripped = first instanceof ClusterUnreachable ? first : watch.tripped;
    if (!tripped) {
      const done = first as Settled<T>;
      if (done.ok) return done.value;
      throw done.error;
    }
    watch.stop();
    const timedOut = new Promise<"timeout">((resolve) => {
      grace = setTimeout(() => resolve("timeout"), b.cancelGraceSeconds * 1000);
    });
    const end = await Promise.race([settled, timedOut]);
    if (end !== "timeout" && end.ok) return end.value;
    const { server, answer, silentMs } = tripped;
    throw end === "timeout"
      ? new ClusterUnreachable(server, answer, silentMs, false)
      : new ClusterUnreachable(server, answer, silentMs, true, end.error);
  } finally {
    watch.stop();
    clearTimeout(grace);
  }
}

/**
 * The server and probe {@link withOutageBound} needs, from a Kubernetes client: `GET /readyz`,
 * which the API server answers "ok" only when it can serve (etcd reachable, informers synced).
 */
export function readyzProbe(
  client: {
    readonly config: { readonly server: string };
    get(path: string, opts: { timeoutMs: number }): Promise<unknown>;
  },
  bound: OutageBound = OUTAGE_BOUND,
): { server: string; probe: Probe } {
  return {
    server: client.config.server.replace(/\/+$/, ""),
    probe: () => client.get("/readyz", { timeoutMs: bound.probeTimeoutSeconds * 1000 }),
  };
}
