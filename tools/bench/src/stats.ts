/** Repeated measurements of one thing, with the numbers the tables show. */
export interface Runs {
  /** Every run, in the order they ran. */
  readonly runs: number[];
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/** The median: the middle value, or the mean of the two middle ones for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error("median of no values: at least one run is needed");
  if (values.some((v) => !Number.isFinite(v)))
    throw new Error(`median of ${JSON.stringify(values)}: every value must be a finite number`);
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Folds the runs of one measurement into median, min and max. */
export function summarize(values: readonly number[]): Runs {
  return {
    runs: [...values],
    median: median(values),
    min: Math.min(...values),
    max: Math.max(...values),
  };
}

/** A least-squares line y = intercept + slope * x, and how well it fits (r², 1 is a perfect line). */
export interface LinearFit {
  readonly slope: number;
  readonly intercept: number;
  readonly r2: number;
}

/** Least-squares fit of a line through the points; needs two different x values. */
export function linearFit(points: readonly (readonly [number, number])[]): LinearFit {
  const n = points.length;
  const xs = new Set(points.map(([x]) => x));
  if (xs.size < 2)
    throw new Error(`a line needs points at two different x values, got ${xs.size} (${n} points)`);
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  }
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  const r2 = syy === 0 ? 1 : (sxy * sxy) / (sxx * syy);
  return { slope, intercept, r2 };
}

/** Cost of one more app from two totals: (t(N) − t(1)) / (N − 1), in the unit of the totals. */
export function perApp(t1: number, tN: number, n: number): number {
  if (!(Number.isInteger(n) && n > 1)) throw new Error(`per-app cost needs N > 1, got ${n}`);
  return (tN - t1) / (n - 1);
}

/** `a / b`, for "how many times slower": throws on a zero or negative baseline. */
export function ratio(a: number, b: number): number {
  if (!(b > 0)) throw new Error(`ratio against ${b}: the baseline must be greater than 0`);
  return a / b;
}

/**
 * Pods a rollout may add at once: an integer maxSurge as is, a percentage of the replicas
 * rounded up (as the Deployment controller rounds it).
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge
 */
export function surgePods(maxSurge: number | string, replicas: number): number {
  if (typeof maxSurge === "number") return maxSurge;
  const m = /^(\d+)%$/.exec(maxSurge);
  if (!m) throw new Error(`maxSurge ${JSON.stringify(maxSurge)} is not a count or a percentage`);
  return Math.ceil((replicas * Number(m[1])) / 100);
}

/**
 * The shortest a rolling update with maxUnavailable 0 can take: it replaces `maxSurge` pods per
 * step, and each step lasts until the new pods are Ready (the simulated pod's ready delay) and
 * then available (minReadySeconds). In seconds.
 */
export function rolloutFloorSeconds(opts: {
  replicas: number;
  maxSurge: number | string;
  podReadyDelayMs: number;
  minReadySeconds: number;
}): number {
  const surge = surgePods(opts.maxSurge, opts.replicas);
  if (!(surge > 0))
    throw new Error(`maxSurge ${JSON.stringify(opts.maxSurge)} adds no pod: a rollout never ends`);
  const steps = Math.ceil(opts.replicas / surge);
  return steps * (opts.podReadyDelayMs / 1000 + opts.minReadySeconds);
}
