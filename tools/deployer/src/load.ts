import * as http from "node:http";
import { performance } from "node:perf_hooks";

/**
 * A small HTTP load generator for rollout checks: a fixed number of workers each send one request
 * at a time, as fast as the answers come, until stopped. Every request opens a new connection
 * (`Connection: close`, no agent), so each one is routed afresh by the Service (kube-proxy picks
 * an endpoint per connection) and a pod that is gone or not ready yet is hit the moment the
 * routing says so. Every request is recorded, not sampled.
 */
export interface LoadOptions {
  /** Base URL, e.g. `http://10.254.12.7:80`. */
  readonly url: string;
  /** Path and query of every request. @default "/" */
  readonly path?: string;
  /** Requests in flight at once. @default 8 */
  readonly concurrency?: number;
  /** A request that takes longer than this fails as a timeout. @default 5000 */
  readonly timeoutMs?: number;
}

/** One request as seen by the client. */
export interface RequestSample {
  /** Start, ms since the generator started. */
  readonly startMs: number;
  /** Time to the complete answer (or the failure), ms. */
  readonly latencyMs: number;
  /** HTTP status, when an answer came. */
  readonly status?: number;
  /** Why the request failed: a socket error code, "timeout" or `HTTP <status>`; unset when it succeeded. */
  readonly error?: string;
  /** The app version that answered (the `version` of a JSON answer). */
  readonly version?: string;
  /** The pod that answered. */
  readonly pod?: string;
}

/** A running load; {@link LoadRun.stop} ends it and returns every sample. */
export interface LoadRun {
  /** performance.now() at start: sample times are relative to it. */
  readonly startedAt: number;
  /** Samples so far (a live view). */
  readonly samples: readonly RequestSample[];
  /** Stops sending, waits for the requests in flight, and returns every sample. */
  stop(): Promise<RequestSample[]>;
}

/** Checks options and names what is wrong. */
export function validateLoadOptions(opts: LoadOptions): string[] {
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(opts.url);
  } catch {
    problems.push(
      `url: ${JSON.stringify(opts.url)} is not a URL; expected e.g. http://10.0.0.1:80`,
    );
  }
  if (url && url.protocol !== "http:") {
    problems.push(`url: ${JSON.stringify(opts.url)} must use http:`);
  }
  const c = opts.concurrency ?? 8;
  if (!Number.isInteger(c) || c < 1 || c > 512) {
    problems.push(`concurrency: ${c} is not valid; expected an integer from 1 to 512`);
  }
  const t = opts.timeoutMs ?? 5000;
  if (!Number.isFinite(t) || t <= 0) {
    problems.push(`timeoutMs: ${t} is not valid; expected a positive number of milliseconds`);
  }
  if (opts.path !== undefined && !opts.path.startsWith("/")) {
    problems.push(`path: ${JSON.stringify(opts.path)} must start with "/"`);
  }
  return problems;
}

function once(opts: LoadOptions, t0: number): Promise<RequestSample> {
  const url = new URL(opts.path ?? "/", opts.url);
  const start = performance.now();
  return new Promise((resolve) => {
    let done = false;
    const finish = (s: Omit<RequestSample, "startMs" | "latencyMs">) => {
      if (done) return;
      done = true;
      resolve({ startMs: start - t0, latencyMs: performance.now() - start, ...s });
    };
    const req = http.request(
      url,
      {
        method: "GET",
        agent: false,
        headers: { accept: "application/json", connection: "close" },
        timeout: opts.timeoutMs ?? 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
        res.on("end", () => {
          const status = res.statusCode ?? 0;
          let version: string | undefined;
          let pod: string | undefined;
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
              version?: unknown;
              pod?: unknown;
            };
            if (typeof body.version === "string") version = body.version;
            if (typeof body.pod === "string") pod = body.pod;
          } catch {
            // Not JSON: the status alone decides.
          }
          finish({
            status,
            ...(status >= 200 && status < 300 ? {} : { error: `HTTP ${status}` }),
            ...(version !== undefined ? { version } : {}),
            ...(pod !== undefined ? { pod } : {}),
          });
        });
      },
    );
    req.on("timeout", () => {
      finish({ error: "timeout" });
      req.destroy();
    });
    req.on("error", (e: NodeJS.ErrnoException) => finish({ error: e.code ?? e.message }));
    req.end();
  });
}

/** Starts sending requests; throws at once, naming each bad option, when the options are wrong. */
export function startLoad(opts: LoadOptions): LoadRun {
  const problems = validateLoadOptions(opts);
  if (problems.length > 0)
    throw new Error(`load options are not valid:\n  - ${problems.join("\n  - ")}`);
  const t0 = performance.now();
  const samples: RequestSample[] = [];
  let running = true;
  const worker = async () => {
    while (running) samples.push(await once(opts, t0));
  };
  const workers = Array.from({ length: opts.concurrency ?? 8 }, () => worker());
  return {
    startedAt: t0,
    samples,
    async stop() {
      running = false;
      await Promise.all(workers);
      return samples;
    },
  };
}

/** The value below which `q` of the sorted values lie (nearest rank); NaN for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/** What a set of samples shows. */
export interface LoadSummary {
  readonly requests: number;
  readonly failed: number;
  /** Failures by reason, e.g. `{ ECONNREFUSED: 3, "HTTP 503": 1 }`. */
  readonly failures: Readonly<Record<string, number>>;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Successful answers per version. */
  readonly versions: Readonly<Record<string, number>>;
  /** Distinct pods that answered. */
  readonly pods: number;
  /** Version of the first and of the last successful answer. */
  readonly firstVersion?: string;
  readonly lastVersion?: string;
  /** Requests per second over the samples' span. */
  readonly rate: number;
}

/** Summarizes samples, optionally only those that started within [fromMs, toMs). */
export function summarizeLoad(
  samples: readonly RequestSample[],
  window: { fromMs?: number; toMs?: number } = {},
): LoadSummary {
  const inWindow = samples.filter(
    (s) => s.startMs >= (window.fromMs ?? -Infinity) && s.startMs < (window.toMs ?? Infinity),
  );
  const ordered = [...inWindow].sort((a, b) => a.startMs - b.startMs);
  const failures: Record<string, number> = {};
  const versions: Record<string, number> = {};
  const pods = new Set<string>();
  for (const s of ordered) {
    if (s.error !== undefined) failures[s.error] = (failures[s.error] ?? 0) + 1;
    else {
      if (s.version !== undefined) versions[s.version] = (versions[s.version] ?? 0) + 1;
      if (s.pod !== undefined) pods.add(s.pod);
    }
  }
  const ok = ordered.filter((s) => s.error === undefined);
  const latencies = inWindow.map((s) => s.latencyMs).sort((a, b) => a - b);
  const span =
    ordered.length > 1 ? (ordered[ordered.length - 1]!.startMs - ordered[0]!.startMs) / 1000 : 0;
  return {
    requests: inWindow.length,
    failed: inWindow.length - ok.length,
    failures,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    maxMs: latencies.length > 0 ? latencies[latencies.length - 1]! : Number.NaN,
    versions,
    pods: pods.size,
    ...(ok[0]?.version !== undefined ? { firstVersion: ok[0].version } : {}),
    ...(ok[ok.length - 1]?.version !== undefined
      ? { lastVersion: ok[ok.length - 1]!.version }
      : {}),
    rate: span > 0 ? inWindow.length / span : 0,
  };
}

/** One line per figure, for people. */
export function formatLoadSummary(s: LoadSummary): string[] {
  const failures = Object.entries(s.failures)
    .map(([k, v]) => `${k} x${v}`)
    .join(", ");
  const versions = Object.entries(s.versions)
    .map(([k, v]) => `${k} x${v}`)
    .join(", ");
  return [
    `requests:          ${s.requests} (${s.rate.toFixed(0)}/s)`,
    `failed:            ${s.failed}${failures ? ` (${failures})` : ""}`,
    `latency:           p50 ${s.p50Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms, max ${s.maxMs.toFixed(1)} ms`,
    `answered by:       ${versions || "nobody"}${s.pods ? ` from ${s.pods} pods` : ""}`,
  ];
}
