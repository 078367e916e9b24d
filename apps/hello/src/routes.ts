import type { IncomingMessage, ServerResponse } from "node:http";
import type { Config } from "./config";
import type { Metrics } from "./metrics";
import type { Phase } from "./server";

/** Longest delay `/?delay=ms` accepts, so a stray request cannot hold a connection for long. */
export const MAX_DELAY_MS = 10_000;

/** Methods every route answers; anything else gets 405. */
const ALLOWED_METHODS = "GET, HEAD";

/** The routes this app serves. */
export type Route = "hello" | "healthz" | "readyz" | "version" | "config" | "metrics";

/** Paths served; a Map so that a path like `/constructor` cannot hit an Object prototype key. */
const ROUTES = new Map<string, Route>([
  ["/", "hello"],
  ["/healthz", "healthz"],
  ["/readyz", "readyz"],
  ["/version", "version"],
  ["/config", "config"],
  ["/metrics", "metrics"],
]);

/**
 * Routes left out of the request metrics: the kubelet's probes and the scrapes themselves would
 * otherwise outnumber real traffic on an idle pod and dilute its error rate and latency.
 */
const UNMEASURED: ReadonlySet<Route> = new Set<Route>(["healthz", "readyz", "metrics"]);

/** Splits a request target into path and query by hand (see {@link handleRequest}). */
function splitTarget(url: string): { path: string; query: string } {
  const queryAt = url.indexOf("?");
  return queryAt === -1
    ? { path: url, query: "" }
    : { path: url.slice(0, queryAt), query: url.slice(queryAt + 1) };
}

/**
 * The route label a request is measured under, or undefined for probes and scrapes, which are
 * not measured. Unknown paths are measured as `unknown`.
 */
export function measuredRoute(url: string | undefined): Route | "unknown" | undefined {
  const route = ROUTES.get(splitTarget(url ?? "/").path);
  if (route === undefined) return "unknown";
  return UNMEASURED.has(route) ? undefined : route;
}

/** What the request handler needs to know about the app it runs in. */
export interface RouteContext {
  /** The app's settings. */
  config: Config;
  /** The app's current phase: /readyz answers 200 only in `ready`. */
  phase(): Phase;
  /** The metrics `/metrics` renders. */
  metrics: Metrics;
  /** Called once per `GET /`: true means answer 500 (HELLO_FAILURE_RATIO). */
  shouldFail(): boolean;
}

/**
 * Answers one request. Routes: `/` (greeting, JSON on `Accept: application/json`, optional
 * `?delay=ms`), `/healthz`, `/readyz`, `/version`, `/config`; anything else is 404.
 * @param ctx the app the request belongs to.
 * @param req the request.
 * @param res its response; always ended, possibly after `?delay`.
 */
export function handleRequest(ctx: RouteContext, req: IncomingMessage, res: ServerResponse): void {
  // Split by hand: `new URL` would read a path like `//x/healthz` as host `x`, path `/healthz`.
  const target = splitTarget(req.url ?? "/");
  const path = target.path;
  const query = new URLSearchParams(target.query);
  const { config } = ctx;

  const route = ROUTES.get(path);
  if (route === undefined) return send(ctx, res, 404, "not found\n");
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", ALLOWED_METHODS);
    return send(ctx, res, 405, `method not allowed: use ${ALLOWED_METHODS}\n`);
  }
  switch (route) {
    case "hello":
      return hello(ctx, req, res, query);
    case "healthz":
      // Liveness: answering at all proves the process works. Checking dependencies here would
      // make the kubelet restart healthy pods whenever a dependency has an outage.
      return send(ctx, res, 200, "ok\n");
    case "readyz": {
      const phase = ctx.phase();
      return phase === "ready" ? send(ctx, res, 200, "ready\n") : send(ctx, res, 503, `${phase}\n`);
    }
    case "version":
      return send(ctx, res, 200, `${config.version}\n`);
    case "config":
      if (config.configFile === undefined) {
        return send(ctx, res, 404, "no CONFIG_FILE configured\n");
      }
      return send(ctx, res, 200, config.configFile.content, config.configFile.contentType);
    case "metrics":
      return metrics(ctx, res);
  }
}

/** `GET /metrics`: the Prometheus text exposition. Never fails on purpose. */
function metrics(ctx: RouteContext, res: ServerResponse): void {
  ctx.metrics.render().then(
    (body) => {
      res.statusCode = 200;
      res.setHeader("Content-Type", ctx.metrics.contentType);
      res.setHeader("Content-Length", Buffer.byteLength(body));
      res.setHeader("Cache-Control", "no-store");
      const phase = ctx.phase();
      if (phase === "draining" || phase === "stopped") res.setHeader("Connection", "close");
      res.end(body);
    },
    (error: Error) => send(ctx, res, 500, `cannot render metrics: ${error.message}\n`),
  );
}

/** `GET /`: the bootcamp greeting, optionally late so tests can keep requests in flight. */
function hello(
  ctx: RouteContext,
  req: IncomingMessage,
  res: ServerResponse,
  query: URLSearchParams,
): void {
  const delay = parseDelay(query.get("delay"));
  if (delay === undefined) {
    const message = `delay must be an integer from 0 to ${MAX_DELAY_MS} (milliseconds)\n`;
    return send(ctx, res, 400, message);
  }
  // Decided on arrival, so a delayed request counts in the order it came in.
  if (ctx.shouldFail()) {
    return send(ctx, res, 500, "injected failure (HELLO_FAILURE_RATIO)\n");
  }
  const { greeting, version, podName, podNamespace } = ctx.config;
  // Responses vary by Accept, so caches in between must not mix the two forms.
  res.setHeader("Vary", "Accept");
  const respond = (): void => {
    if (wantsJson(req.headers.accept)) {
      const body = { greeting, version, pod: podName, namespace: podNamespace ?? null };
      send(ctx, res, 200, `${JSON.stringify(body)}\n`, "application/json");
    } else {
      send(ctx, res, 200, `${greeting} | Running on: ${podName} | v=${version}\n`);
    }
  };
  if (delay === 0) return respond();
  const timer = setTimeout(respond, delay);
  // A client that hangs up (or a drain deadline that cuts the connection) cancels the response.
  res.once("close", () => clearTimeout(timer));
}

/** Reads `?delay=ms`: absent means 0, anything but an integer up to {@link MAX_DELAY_MS} is bad. */
function parseDelay(raw: string | null): number | undefined {
  if (raw === null) return 0;
  if (!/^[0-9]{1,5}$/.test(raw)) return undefined;
  const ms = Number(raw);
  return ms <= MAX_DELAY_MS ? ms : undefined;
}

/** True when the Accept header lists `application/json` (or `application/*`) with a non-zero q. */
function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  return accept.split(",").some((range) => {
    const [type = "", ...params] = range.split(";").map((part) => part.trim().toLowerCase());
    const refused = params.some((p) => /^q=0(\.0*)?$/.test(p));
    return !refused && (type === "application/json" || type === "application/*");
  });
}

/**
 * Sends a complete response. Once the app drains, every response carries `Connection: close`,
 * so keep-alive clients open their next connection to a pod that is still in the endpoints.
 */
function send(
  ctx: RouteContext,
  res: ServerResponse,
  status: number,
  body: string,
  type: "text/plain" | "application/json" = "text/plain",
): void {
  res.statusCode = status;
  res.setHeader("Content-Type", `${type}; charset=utf-8`);
  res.setHeader("Content-Length", Buffer.byteLength(body));
  // Probes and tests must see the current state, never a cached one.
  res.setHeader("Cache-Control", "no-store");
  const phase = ctx.phase();
  if (phase === "draining" || phase === "stopped") res.setHeader("Connection", "close");
  // Node leaves the body out for HEAD by itself while keeping Content-Length as for GET.
  res.end(body);
}
