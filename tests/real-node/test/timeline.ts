import type { RolloutReport } from "@steady/deploy";
import type { RequestSample, UnderLoadResult } from "@steady/deployer";

/**
 * Where in a rollout requests failed: the failed requests grouped into bursts, each placed
 * against the pod changes the rollout watch saw, on one clock (ms since `pulumi up` started).
 */

/** A change in the set of serving pods, as the rollout watch saw it. */
export interface PodEvent {
  /** Ms since the update started. */
  readonly atMs: number;
  /** An old pod stopped serving (it started terminating), or a new pod turned Ready. */
  readonly what: "old pod left" | "new pod ready" | "old pod ready" | "new pod left";
}

/** Failed requests close together in time. */
export interface FailureBurst {
  /** Start of the first and of the last failed request, ms since the update started. */
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
  /** Failures by kind, e.g. `{ ECONNREFUSED: 40 }`. */
  readonly kinds: Readonly<Record<string, number>>;
  /**
   * The pod change nearest to the burst's start, and the burst's start minus its time (negative:
   * the burst began first; the watch sees a change a little after the kubelet and kube-proxy do).
   */
  readonly nearest?: { readonly what: PodEvent["what"]; readonly offsetMs: number };
}

/** Failures further apart than this start a new burst. */
export const BURST_GAP_MS = 500;

/**
 * The pod changes of a rollout report, on the load's clock: `offsetMs` is the report's start
 * minus the update's start, both on the wall clock.
 */
export function podEvents(report: RolloutReport, offsetMs: number): PodEvent[] {
  const rs = report.newReplicaSet;
  const newHash = rs?.slice(rs.lastIndexOf("-") + 1);
  const events: PodEvent[] = [];
  report.samples.forEach((s, i) => {
    const prev = i === 0 ? s.byHash : report.samples[i - 1]!.byHash;
    for (const h of new Set([...Object.keys(prev), ...Object.keys(s.byHash)])) {
      const d = (s.byHash[h] ?? 0) - (prev[h] ?? 0);
      const age = h === newHash ? "new" : "old";
      const what = `${age} pod ${d > 0 ? "ready" : "left"}` as PodEvent["what"];
      for (let k = 0; k < Math.abs(d); k++) events.push({ atMs: s.t + offsetMs, what });
    }
  });
  return events;
}

/** Groups failed samples into bursts and places each after the pod change that preceded it. */
export function failureBursts(
  samples: readonly RequestSample[],
  updateFromMs: number,
  events: readonly PodEvent[],
): FailureBurst[] {
  const failed = samples
    .filter((s) => s.error !== undefined)
    .map((s) => ({ atMs: s.startMs - updateFromMs, kind: s.error! }))
    .sort((a, b) => a.atMs - b.atMs);
  const groups: { atMs: number; kind: string }[][] = [];
  for (const f of failed) {
    const last = groups[groups.length - 1];
    if (last && f.atMs - last[last.length - 1]!.atMs <= BURST_GAP_MS) last.push(f);
    else groups.push([f]);
  }
  return groups.map((g) => {
    const fromMs = g[0]!.atMs;
    const kinds: Record<string, number> = {};
    for (const f of g) kinds[f.kind] = (kinds[f.kind] ?? 0) + 1;
    const nearest = [...events].sort(
      (a, b) => Math.abs(a.atMs - fromMs) - Math.abs(b.atMs - fromMs),
    )[0];
    return {
      fromMs: Math.round(fromMs),
      toMs: Math.round(g[g.length - 1]!.atMs),
      count: g.length,
      kinds,
      ...(nearest
        ? { nearest: { what: nearest.what, offsetMs: Math.round(fromMs - nearest.atMs) } }
        : {}),
    };
  });
}

/**
 * The window around a pod change in which a failure counts as caused by it. Measured: every
 * burst of refused or reset requests began within 0.25 s of its change (the watch can see a
 * change a little after the kubelet and kube-proxy do) and ended within 0.25 s after it, since
 * kube-proxy, idle for over a second (its `minSyncPeriod`), applies the change at once. A new pod
 * turns Ready 1.2-2 s before the next old pod leaves (minReadySeconds 2), so the windows of the
 * two kinds of change do not overlap.
 */
export const ROUTING_LAG_WINDOW_MS = { before: 250, after: 750 } as const;

/** Failed requests that started within {@link ROUTING_LAG_WINDOW_MS} of a pod change `what`. */
export function failedNear(
  samples: readonly RequestSample[],
  updateFromMs: number,
  events: readonly PodEvent[],
  what: PodEvent["what"],
): number {
  const at = events.filter((e) => e.what === what).map((e) => e.atMs);
  return samples.filter((s) => {
    if (s.error === undefined) return false;
    const t = s.startMs - updateFromMs;
    return at.some(
      (e) => t >= e - ROUTING_LAG_WINDOW_MS.before && t <= e + ROUTING_LAG_WINDOW_MS.after,
    );
  }).length;
}

/** One line per burst, for people: `+3.2..3.3 s: 57 ECONNREFUSED, +0.04 s from old pod left`. */
export function describeBursts(bursts: readonly FailureBurst[]): string[] {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return bursts.map((b) => {
    const kinds = Object.entries(b.kinds)
      .map(([k, n]) => `${n} ${k}`)
      .join(", ");
    const o = b.nearest?.offsetMs ?? 0;
    const near = b.nearest
      ? `, ${o < 0 ? "-" : "+"}${(Math.abs(o) / 1000).toFixed(2)} s from ${b.nearest.what}`
      : "";
    return `+${s(b.fromMs)}..${s(b.toMs)} s: ${kinds}${near}`;
  });
}

/** The pod timeline and failure bursts of one rollout under load. */
export function rolloutTimeline(
  r: UnderLoadResult<unknown>,
  report: RolloutReport | undefined,
): {
  events: PodEvent[];
  bursts: FailureBurst[];
  failedAtOldPodLeaving: number;
  failedAtNewPodReady: number;
} {
  // The report's clock starts when the watch started; the load's when the load started.
  const offsetMs = report
    ? Date.parse(report.startedAt) - (r.startedAtEpochMs + r.updateFromMs)
    : 0;
  const events = report ? podEvents(report, offsetMs) : [];
  return {
    events,
    bursts: failureBursts(r.samples, r.updateFromMs, events),
    failedAtOldPodLeaving: failedNear(r.samples, r.updateFromMs, events, "old pod left"),
    failedAtNewPodReady: failedNear(r.samples, r.updateFromMs, events, "new pod ready"),
  };
}
