import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Config } from "./config";
import { createJsonLogger, type Logger } from "./log";
import { createFailureInjector } from "./failure";
import { createMetrics, type Metrics } from "./metrics";
import { handleRequest, measuredRoute } from "./routes";

/**
 * Where the app is in its life: `starting` until it listens, `ready` while it serves,
 * `draining` from the first drain request on, `stopped` once every connection is gone.
 */
export type Phase = "starting" | "ready" | "draining" | "stopped";

/** How often idle keep-alive connections are closed while draining, in milliseconds. */
export const IDLE_SWEEP_MS = 100;

/** A snapshot of the app's state. */
export interface AppState {
  /** Current phase; see {@link Phase}. */
  phase: Phase;
  /** Whether /readyz answers 200. */
  ready: boolean;
  /** Open TCP connections, idle keep-alive ones included. */
  openConnections: number;
  /** Requests received whose response has not finished yet. */
  inFlightRequests: number;
}

/** How a drain ended. */
export interface DrainResult {
  /** Connections still open at the DRAIN_SECONDS deadline and cut; 0 for a clean drain. */
  cutConnections: number;
  /** Milliseconds from the start of the drain to its end. */
  durationMs: number;
}

/** The app: an HTTP server plus the lifecycle around it. */
export interface App {
  /** The underlying server; exposed for tests and for callers that add their own listeners. */
  readonly server: http.Server;
  /** A snapshot of the current state. */
  readonly state: AppState;
  /**
   * Starts listening on `config.port` and turns ready.
   * @returns the port actually bound, which differs from `config.port` when that is 0.
   * Calling it again returns the same promise; calling it after {@link drain} rejects.
   */
  start(): Promise<number>;
  /**
   * Drains: turns unready at once, keeps serving for `readinessGraceSeconds`, stops accepting,
   * lets in-flight requests finish and closes idle keep-alive connections; at the
   * `drainSeconds` deadline it cuts whatever connections are left. Idempotent.
   * @returns how the drain ended; the process should exit 1 if it cut connections.
   */
  drain(): Promise<DrainResult>;
  /** The metrics behind `/metrics`. */
  readonly metrics: Metrics;
}

/** Optional collaborators of {@link createApp}. */
export interface AppOptions {
  /** Receives lifecycle events; defaults to JSON lines on stdout. */
  log?: Logger;
}

/**
 * Creates the app without starting it.
 * @param config validated settings, normally from `parseConfig`.
 * @param options optional collaborators.
 * @returns the app, in phase `starting`.
 */
export function createApp(config: Config, options: AppOptions = {}): App {
  const log = options.log ?? createJsonLogger();
  let phase: Phase = "starting";
  let starting: Promise<number> | undefined;
  let draining: Promise<DrainResult> | undefined;
  const metrics = createMetrics(config.version);
  const { server, sockets, inFlight } = countingServer({
    config,
    phase: () => phase,
    metrics,
    shouldFail: createFailureInjector(config.failureRatio),
  });

  function start(): Promise<number> {
    if (starting !== undefined) return starting;
    if (phase !== "starting") return Promise.reject(new Error(`cannot start: the app is ${phase}`));
    starting = listen(server, config.port).then((port) => {
      // A drain requested while binding wins: the app never turns ready.
      if (phase === "starting") phase = "ready";
      log("started", `listening on port ${port}`, {
        port,
        version: config.version,
        pod: config.podName,
        namespace: config.podNamespace ?? null,
        drainSeconds: config.drainSeconds,
        readinessGraceSeconds: config.readinessGraceSeconds,
        configFile: config.configFile?.path ?? null,
      });
      return port;
    });
    return starting;
  }

  function drain(): Promise<DrainResult> {
    draining ??= runDrain();
    return draining;
  }

  async function runDrain(): Promise<DrainResult> {
    const began = performance.now();
    // Synchronous up to the first await, so readiness is already false when drain() returns.
    phase = "draining";
    log("draining", "turned unready; finishing in-flight requests", {
      openConnections: sockets.size,
      inFlightRequests: inFlight(),
      drainSeconds: config.drainSeconds,
      readinessGraceSeconds: config.readinessGraceSeconds,
    });
    if (starting !== undefined) await starting.catch(() => undefined);
    const cutConnections = server.listening ? await closeGracefully(server, sockets, config) : 0;
    phase = "stopped";
    const durationMs = Math.round(performance.now() - began);
    const msg =
      cutConnections === 0
        ? "all connections finished"
        : `drain deadline of ${config.drainSeconds} s reached: cut ${cutConnections} open connection(s)`;
    log("drained", msg, { cutConnections, durationMs });
    return { cutConnections, durationMs };
  }

  return {
    server,
    get state(): AppState {
      return {
        phase,
        ready: phase === "ready",
        openConnections: sockets.size,
        inFlightRequests: inFlight(),
      };
    },
    start,
    drain,
    metrics,
  };
}

/** Binds `port`; resolves with the port bound (differs when `port` is 0), rejects on error. */
function listen(server: http.Server, port: number): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const onError = (error: Error): void => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port);
  });
}

/** Stops accepting, waits for the connections to end, cuts them at the deadline. */
function closeGracefully(
  server: http.Server,
  sockets: ReadonlySet<Socket>,
  config: Pick<Config, "drainSeconds" | "readinessGraceSeconds">,
): Promise<number> {
  return new Promise<number>((resolve) => {
    let sweeper: NodeJS.Timeout | undefined;
    let done = false;
    const finish = (cut: number): void => {
      if (done) return;
      done = true;
      clearTimeout(deadline);
      clearTimeout(grace);
      clearInterval(sweeper);
      resolve(cut);
    };

    const deadline = setTimeout(() => {
      const cut = sockets.size;
      for (const socket of sockets) socket.destroy();
      if (server.listening) server.close();
      finish(cut);
    }, config.drainSeconds * 1000);

    // The listener is closed on a later turn of the event loop, after that turn's I/O poll
    // (setImmediate): by then every connection queued before the drain began has been accepted
    // and every request that reached the socket before it has been read. Closing at once would
    // reset connections still in the accept queue, and server.close() would take a keep-alive
    // connection whose next request is unread for idle, and close it under that request.
    const grace = setTimeout(() => {
      setImmediate(() => {
        if (done) return;
        // Stops accepting; also closes idle keep-alive connections (Node >= 19). The callback
        // runs once the last connection has closed.
        server.close(() => finish(0));
        server.closeIdleConnections();
        // A connection with a request in flight gets `Connection: close` on its response and
        // closes after it; the sweep catches any that still end up idle.
        sweeper = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      });
    }, config.readinessGraceSeconds * 1000);
  });
}

/**
 * The HTTP server, counting requests in flight and tracking open connections by hand, to count
 * them and, at the drain deadline, cut them.
 */
function countingServer(ctx: Parameters<typeof handleRequest>[0]): {
  server: http.Server;
  sockets: Set<Socket>;
  inFlight: () => number;
} {
  let inFlight = 0;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    inFlight += 1;
    const began = performance.now();
    const route = measuredRoute(req.url);
    // "finish" only: a response the client hung up on was never served, so it has no status.
    if (route !== undefined) {
      res.once("finish", () => {
        ctx.metrics.observe({ route, status: res.statusCode }, (performance.now() - began) / 1000);
      });
    }
    // "close" follows both a finished response and a connection lost mid-response.
    res.once("close", () => {
      inFlight -= 1;
    });
    try {
      handleRequest(ctx, req, res);
    } catch {
      // A bug in a handler costs one request, not the process.
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" });
      res.end("internal error\n");
    }
  });
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return { server, sockets, inFlight: () => inFlight };
}
