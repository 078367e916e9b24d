import type { PromSample } from "./prom-text";

/**
 * Canary analysis: compares what canary pods and stable pods served between two scrapes and
 * says whether the canary may go on. Pure: scraping is in canary-scrape.ts.
 */

/** Thresholds and metric names of the analysis; defaults in {@link CANARY_ANALYSIS_DEFAULTS}. */
export interface CanaryAnalysisConfig {
  /** Counter of answered requests, with a status class label. */
  readonly requestsMetric: string;
  /** Label of {@link requestsMetric} holding the status class (`2xx`…`5xx`). */
  readonly statusClassLabel: string;
  /** Status classes that count as failures. */
  readonly failureClasses: readonly string[];
  /** Histogram of request durations in seconds (its `_bucket` series are read). */
  readonly durationMetric: string;
  /** Fewest requests the canary must have served between the scrapes for a verdict. */
  readonly minRequests: number;
  /** Highest error rate (failures / requests, 0 to 1) the canary may have. */
  readonly maxErrorRate: number;
  /** How far the canary's error rate may exceed the stable pods' (0 to 1). */
  readonly maxErrorRateIncrease: number;
  /** Highest p99 latency the canary may have, in seconds. */
  readonly maxP99Seconds: number;
  /** Highest canary p99 as a multiple of the stable p99 (checked when both are known). */
  readonly maxP99Ratio: number;
}

/**
 * Defaults: the metrics apps/hello serves, and thresholds that catch "one request in five
 * fails" (error rate 0.2) and a doubled tail latency at once, while 20 requests already make
 * one failure (5 %) stand out from noise no more than the 1 % limit allows.
 */
export const CANARY_ANALYSIS_DEFAULTS: CanaryAnalysisConfig = {
  requestsMetric: "hello_http_requests_total",
  statusClassLabel: "status_class",
  failureClasses: ["5xx"],
  durationMetric: "hello_http_request_duration_seconds",
  minRequests: 20,
  maxErrorRate: 0.01,
  maxErrorRateIncrease: 0.005,
  maxP99Seconds: 1,
  maxP99Ratio: 2,
};

/**
 * Whether a verdict reached before the end of the window may end the analysis there: only a
 * fail on errors (`maxErrorRate`, `maxErrorRateIncrease`) over at least `minRequests` canary
 * requests. Every request the bad canary answers until the decision is a user's failed request,
 * so waiting out the window only adds to them; latency is judged over the whole window, since a
 * few seconds' p99 is swayed by a new pod's first requests. A pass always waits for the window's
 * end, so one look can never promote early. Argo Rollouts and Flagger likewise judge at every
 * interval and abort on the first failed measurement beyond their limit.
 */
export function failsEarly(v: CanaryVerdict): boolean {
  const failed = (name: string) => v.checks.some((k) => k.name === name && !k.ok);
  return (
    v.verdict === "fail" &&
    !failed("minRequests") &&
    (failed("maxErrorRate") || failed("maxErrorRateIncrease"))
  );
}

/** The samples of one pod's `/metrics`. */
export interface PodScrape {
  readonly pod: string;
  readonly samples: readonly PromSample[];
}

/** What one track (canary or stable) served between the two scrapes, over all its pods. */
export interface TrackSummary {
  /** Pods scraped at the end. */
  readonly pods: number;
  readonly requests: number;
  readonly failures: number;
  /** failures / requests; 0 without requests. */
  readonly errorRate: number;
  /** p99 latency in seconds from the histogram deltas; undefined without observations. */
  readonly p99Seconds: number | undefined;
  /** Pods whose counters went down (a restart): their end values count as the delta. */
  readonly resetPods: readonly string[];
}

/** One threshold, checked. */
export interface CanaryCheck {
  readonly name: string;
  readonly ok: boolean;
  /** A sentence with the measured value and the limit. */
  readonly detail: string;
}

/** The analysis' answer. */
export interface CanaryVerdict {
  readonly verdict: "pass" | "fail";
  /** The details of the failed checks; empty on pass. */
  readonly reasons: readonly string[];
  readonly checks: readonly CanaryCheck[];
  readonly canary: TrackSummary;
  readonly stable: TrackSummary;
}

/** Scrapes of one track at the start and the end of the analysis window. */
export interface TrackScrapes {
  readonly before: readonly PodScrape[];
  readonly after: readonly PodScrape[];
}

/** A series identity: name plus sorted labels. */
function seriesKey(s: PromSample): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(s.labels[k])}`);
  return `${s.name}{${labels.join(",")}}`;
}

/**
 * Per-series increase over the window, summed over pods. A pod missing at the start (new) counts
 * from 0; a series that went down was reset by a restart and counts its end value, as
 * Prometheus' `increase()` does.
 */
function deltas(track: TrackScrapes, keep: (s: PromSample) => boolean) {
  const sum = new Map<string, { sample: PromSample; delta: number }>();
  const resetPods = new Set<string>();
  for (const end of track.after) {
    const start = new Map(
      (track.before.find((p) => p.pod === end.pod)?.samples ?? [])
        .filter(keep)
        .map((s) => [seriesKey(s), s.value]),
    );
    for (const s of end.samples.filter(keep)) {
      const key = seriesKey(s);
      const was = start.get(key) ?? 0;
      const delta = s.value >= was ? s.value - was : s.value;
      if (s.value < was) resetPods.add(end.pod);
      const entry = sum.get(key);
      if (entry) entry.delta += delta;
      else sum.set(key, { sample: s, delta });
    }
  }
  return { series: [...sum.values()], resetPods: [...resetPods].sort() };
}

/** Ignores the pod- and version-specific labels so buckets of all pods add up by `le`. */
function bucketsByLe(series: { sample: PromSample; delta: number }[]): [number, number][] {
  const byLe = new Map<number, number>();
  for (const { sample, delta } of series) {
    const le = Number(sample.labels["le"] === "+Inf" ? Infinity : sample.labels["le"]);
    if (Number.isNaN(le)) continue;
    byLe.set(le, (byLe.get(le) ?? 0) + delta);
  }
  return [...byLe.entries()].sort((a, b) => a[0] - b[0]);
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside its bucket as
 * Prometheus' `histogram_quantile` does; in the +Inf bucket, the highest finite bound.
 * Undefined without observations.
 */
export function histogramQuantile(q: number, buckets: [number, number][]): number | undefined {
  const total = buckets.find(([le]) => le === Infinity)?.[1] ?? buckets.at(-1)?.[1] ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank) {
      if (le === Infinity) return prevLe;
      if (count === prevCount) return le;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (count - prevCount);
    }
    prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

/** What one track served between the scrapes. */
export function summarizeTrack(track: TrackScrapes, config: CanaryAnalysisConfig): TrackSummary {
  const req = deltas(track, (s) => s.name === config.requestsMetric);
  const requests = req.series.reduce((n, s) => n + s.delta, 0);
  const failures = req.series
    .filter((s) => config.failureClasses.includes(s.sample.labels[config.statusClassLabel] ?? ""))
    .reduce((n, s) => n + s.delta, 0);
  const dur = deltas(track, (s) => s.name === `${config.durationMetric}_bucket`);
  return {
    pods: track.after.length,
    requests,
    failures,
    errorRate: requests > 0 ? failures / requests : 0,
    p99Seconds: histogramQuantile(0.99, bucketsByLe(dur.series)),
    resetPods: [...new Set([...req.resetPods, ...dur.resetPods])].sort(),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const ms = (s: number | undefined) => (s === undefined ? "unknown" : `${(s * 1000).toFixed(1)} ms`);

/** Checks every threshold of {@link CanaryAnalysisConfig} against the two summaries. */
function checks(c: TrackSummary, s: TrackSummary, cfg: CanaryAnalysisConfig): CanaryCheck[] {
  const list: CanaryCheck[] = [
    {
      name: "minRequests",
      ok: c.requests >= cfg.minRequests,
      detail: `the canary served ${c.requests} requests; a verdict needs at least ${cfg.minRequests} (send traffic or wait longer)`,
    },
    {
      name: "maxErrorRate",
      ok: c.errorRate <= cfg.maxErrorRate,
      detail: `canary error rate ${pct(c.errorRate)} (${c.failures} of ${c.requests}); at most ${pct(cfg.maxErrorRate)} allowed`,
    },
    {
      name: "maxErrorRateIncrease",
      ok: c.errorRate <= s.errorRate + cfg.maxErrorRateIncrease,
      detail: `canary error rate ${pct(c.errorRate)} against stable ${pct(s.errorRate)}; at most ${pct(cfg.maxErrorRateIncrease)} more allowed`,
    },
    {
      name: "maxP99Seconds",
      ok: c.p99Seconds === undefined || c.p99Seconds <= cfg.maxP99Seconds,
      detail: `canary p99 ${ms(c.p99Seconds)}; at most ${ms(cfg.maxP99Seconds)} allowed`,
    },
  ];
  if (c.p99Seconds !== undefined && s.p99Seconds !== undefined && s.requests >= cfg.minRequests) {
    list.push({
      name: "maxP99Ratio",
      ok: c.p99Seconds <= s.p99Seconds * cfg.maxP99Ratio,
      detail: `canary p99 ${ms(c.p99Seconds)} against stable ${ms(s.p99Seconds)}; at most ${cfg.maxP99Ratio}x allowed`,
    });
  }
  return list;
}

/**
 * The verdict on a canary: pass only when every check passes. Too little canary traffic is a
 * fail, not a pass: no evidence is not good evidence.
 */
export function analyzeCanary(
  canary: TrackScrapes,
  stable: TrackScrapes,
  config: CanaryAnalysisConfig = CANARY_ANALYSIS_DEFAULTS,
): CanaryVerdict {
  const c = summarizeTrack(canary, config);
  const s = summarizeTrack(stable, config);
  const list = checks(c, s, config);
  const reasons = list.filter((k) => !k.ok).map((k) => `${k.name}: ${k.detail}`);
  return {
    verdict: reasons.length === 0 ? "pass" : "fail",
    reasons,
    checks: list,
    canary: c,
    stable: s,
  };
}

/**
 * One check of a verdict in a few words with its numbers, for a chart or a table cell: a failed
 * `maxErrorRate` reads `canary error rate 20.0 % > 1.0 %`, a passed one `… <= 1.0 %`. The full
 * sentence stays in the check's `detail`.
 */
export function briefCheck(
  name: string,
  v: Pick<CanaryVerdict, "canary" | "stable" | "checks">,
  cfg: CanaryAnalysisConfig,
): string {
  const c = v.canary;
  const s = v.stable;
  const ok = v.checks.find((k) => k.name === name)?.ok ?? true;
  const [gt, lt] = ok ? ["<=", ">="] : [">", "<"];
  switch (name) {
    case "minRequests":
      return `canary served ${c.requests} requests ${lt} ${cfg.minRequests}`;
    case "maxErrorRate":
      return `canary error rate ${pct(c.errorRate)} ${gt} ${pct(cfg.maxErrorRate)}`;
    case "maxErrorRateIncrease":
      return `canary error rate ${pct(c.errorRate)} ${gt} stable ${pct(s.errorRate)} + ${pct(cfg.maxErrorRateIncrease)}`;
    case "maxP99Seconds":
      return `canary p99 ${ms(c.p99Seconds)} ${gt} ${ms(cfg.maxP99Seconds)}`;
    case "maxP99Ratio":
      return `canary p99 ${ms(c.p99Seconds)} ${gt} ${cfg.maxP99Ratio} × stable ${ms(s.p99Seconds)}`;
    default:
      return name;
  }
}

/**
 * A verdict in a line with its numbers: `fail: ` and each failed check ({@link briefCheck}), or
 * `pass: ` with the error rate, the p99 and how many requests on how many canary pods.
 */
export function briefVerdict(v: CanaryVerdict, cfg: CanaryAnalysisConfig): string {
  const failed = v.checks.filter((k) => !k.ok).map((k) => briefCheck(k.name, v, cfg));
  if (failed.length) return `fail: ${failed.join("; ")}`;
  const shown = ["maxErrorRate", "maxP99Seconds"].map((n) => briefCheck(n, v, cfg));
  return `pass: ${shown.join(", ")} (${v.canary.requests} requests on ${v.canary.pods} pod(s))`;
}

/** Ranges of the numeric thresholds. */
const RANGES: Record<string, [number, number]> = {
  minRequests: [1, 1_000_000],
  maxErrorRate: [0, 1],
  maxErrorRateIncrease: [0, 1],
  maxP99Seconds: [0.001, 3600],
  maxP99Ratio: [1, 1000],
};

/**
 * Reads analysis settings (e.g. a stack's `steady:canaryAnalysis` config or a JSON file) over
 * the defaults. Every problem is reported at once, each naming the key and the valid values.
 * @throws Error listing every problem.
 */
export function parseCanaryAnalysisConfig(
  raw: unknown,
  source = "canary analysis config",
): CanaryAnalysisConfig {
  if (raw === undefined) return CANARY_ANALYSIS_DEFAULTS;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new Error(`${source}: expected an object of thresholds, got ${JSON.stringify(raw)}`);
  }
  const problems: string[] = [];
  const out: Record<string, unknown> = { ...CANARY_ANALYSIS_DEFAULTS };
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(CANARY_ANALYSIS_DEFAULTS, key)) {
      problems.push(
        `${key}: unknown; expected one of ${Object.keys(CANARY_ANALYSIS_DEFAULTS).join(", ")}`,
      );
    } else if (key in RANGES) {
      const [min, max] = RANGES[key]!;
      const int = key === "minRequests";
      const ok =
        typeof value === "number" &&
        value >= min &&
        value <= max &&
        (!int || Number.isInteger(value));
      if (ok) out[key] = value;
      else
        problems.push(
          `${key}: ${JSON.stringify(value)} is not valid: expected ${int ? "an integer" : "a number"} from ${min} to ${max}`,
        );
    } else if (key === "failureClasses") {
      const ok =
        Array.isArray(value) &&
        value.length > 0 &&
        value.every((v) => typeof v === "string" && /^[1-5]xx$/.test(v));
      if (ok) out[key] = value;
      else
        problems.push(
          `${key}: ${JSON.stringify(value)} is not valid: expected a non-empty list like ["5xx"]`,
        );
    } else if (typeof value === "string" && /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(value)) {
      out[key] = value;
    } else {
      problems.push(
        `${key}: ${JSON.stringify(value)} is not valid: expected a Prometheus metric or label name`,
      );
    }
  }
  if (problems.length > 0)
    throw new Error(`${source} is not valid:\n  - ${problems.join("\n  - ")}`);
  return out as unknown as CanaryAnalysisConfig;
}
