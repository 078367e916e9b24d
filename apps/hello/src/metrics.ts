import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Upper bounds of the latency histogram, in seconds. Dense below 100 ms, where this app
 * answers, and up to 10 s, the longest `?delay` allowed, so a p99 is read from a bucket
 * edge close to it rather than from +Inf.
 */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Metric names, one place, shared with the tests and the README. */
export const METRIC_NAMES = {
  requests: "hello_http_requests_total",
  duration: "hello_http_request_duration_seconds",
  info: "hello_build_info",
} as const;

/** Labels of one served request. */
export interface RequestLabels {
  /** The route that answered (`hello`, `version`, `config`, `unknown` for 404s). */
  route: string;
  /** HTTP status code of the response. */
  status: number;
}

/** The app's Prometheus metrics. */
export interface Metrics {
  /** Records one finished request and how long it took. */
  observe(labels: RequestLabels, seconds: number): void;
  /** The exposition in Prometheus text format 0.0.4. */
  render(): Promise<string>;
  /** Content-Type of {@link render}'s output. */
  readonly contentType: string;
}

/** `2xx`, `4xx`, `5xx`…: the class a status belongs to; analysis counts `5xx` as failures. */
export function statusClass(status: number): string {
  return `${Math.floor(status / 100)}xx`;
}

/**
 * Creates the metrics of one app instance in its own registry (not prom-client's global one,
 * so two apps in one process, as in the tests, keep separate counts). Every series carries the
 * `version` label, so stable and canary pods are told apart by what they report, not only by
 * which pod was scraped.
 * @param version the app's VERSION.
 */
export function createMetrics(version: string): Metrics {
  const registry = new Registry();
  registry.setDefaultLabels({ version });
  const requests = new Counter({
    name: METRIC_NAMES.requests,
    help: "Requests answered, by route and status class (5xx are failures). Probes and scrapes are not counted.",
    labelNames: ["route", "status_class"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: METRIC_NAMES.duration,
    help: "Time from receiving a request to the end of its response, by route. Probes and scrapes are not counted.",
    labelNames: ["route"] as const,
    buckets: [...LATENCY_BUCKETS_SECONDS],
    registers: [registry],
  });
  new Gauge({
    name: METRIC_NAMES.info,
    help: "Always 1; its version label says which version this pod runs.",
    registers: [registry],
  }).set(1);
  return {
    observe({ route, status }, seconds) {
      requests.inc({ route, status_class: statusClass(status) });
      duration.observe({ route }, seconds);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
