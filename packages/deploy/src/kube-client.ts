import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import { dirname, isAbsolute, resolve } from "node:path";
import { load } from "js-yaml";

/**
 * A minimal Kubernetes API client over node:https: enough for health checks, tests and watching
 * rollouts. Paths are API paths ("/api/v1/namespaces/default/pods"); bodies and results are JSON.
 */

/** Metadata every object has (the fields this package reads). */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  [key: string]: unknown;
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [key: string]: unknown;
}

export interface KubeList<T = KubeObject> {
  apiVersion?: string;
  kind?: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";
export interface WatchEvent<T = KubeObject> {
  type: WatchEventType;
  object: T;
}

/** Connection settings; what a kubeconfig context resolves to. */
export interface KubeClientConfig {
  /** https://host:port (http:// works too, without TLS settings). */
  server: string;
  /** PEM bundle that verifies the server; the system's roots when absent. */
  ca?: string | Buffer;
  insecureSkipTlsVerify?: boolean;
  /** Name to verify the server's certificate against, when not the host in `server`. */
  tlsServerName?: string;
  token?: string;
  /** Client certificate and key (PEM). */
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Per-request timeout (watches excepted); default 30 s. */
  timeoutMs?: number;
}

/** A non-2xx answer of the API server, with the Status it sent when there was one. */
export class KubeApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly statusCode: number,
    readonly reason: string | undefined,
    readonly body: unknown,
  ) {
    const status = body as { message?: string } | undefined;
    const detail = typeof status?.message === "string" ? status.message : String(body ?? "");
    super(`${method} ${path}: ${statusCode}${reason ? ` ${reason}` : ""}: ${detail}`);
    this.name = "KubeApiError";
  }
}

export interface RequestOptions {
  /** Content-Type of the body; default application/json (merge patch for PATCH). */
  contentType?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

export interface WatchOptions {
  /** Stops the watch; the promise then resolves. */
  signal?: AbortSignal;
  /** Start after this version (e.g. a list's metadata.resourceVersion); events replay otherwise. */
  resourceVersion?: string;
  /** Reconnect from the last seen version when the server ends the stream (default true). */
  reconnect?: boolean;
  /** Passed to the server: each connection lasts at most this long. */
  timeoutSeconds?: number;
  /**
   * A connection on which nothing (no event, no bookmark) arrives for this long is taken as
   * dropped and reconnected, so a server that vanished without closing the connection (frozen,
   * or cut off by the network) cannot hold the watch for ever. The API server sends a bookmark
   * about every minute on a watch that allows them (this client always asks; k8s.io/apiserver
   * v0.34 `cacheWatcher.nextBookmarkTime`), so a healthy, quiet watch is never cut. Default
   * {@link WATCH_IDLE_TIMEOUT_MS}.
   */
  idleTimeoutMs?: number;
}

/** Default of {@link WatchOptions.idleTimeoutMs}: two bookmark periods. */
export const WATCH_IDLE_TIMEOUT_MS = 120_000;

interface RawKubeconfig {
  "current-context"?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster: string; user?: string } }[];
}

/**
 * Resolves a kubeconfig file to a client config: the named context (default: current-context),
 * with certificate-authority(-data), insecure-skip-tls-verify, tls-server-name, token,
 * tokenFile and client-certificate(-data)/client-key(-data). Relative paths are relative to the
 * kubeconfig's directory.
 */
export function loadKubeconfig(path: string, context?: string): KubeClientConfig {
  const raw = load(readFileSync(path, "utf8")) as RawKubeconfig | undefined;
  if (!raw || typeof raw !== "object") throw new Error(`${path} is not a kubeconfig`);
  const contextName = context ?? raw["current-context"];
  if (!contextName) throw new Error(`${path} has no current-context; name a context`);
  const ctx = raw.contexts?.find((c) => c.name === contextName)?.context;
  if (!ctx) throw new Error(`${path}: context "${contextName}" not found`);
  const cluster = raw.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster) throw new Error(`${path}: cluster "${ctx.cluster}" not found`);
  const user = (ctx.user ? raw.users?.find((u) => u.name === ctx.user)?.user : undefined) ?? {};
  const base = dirname(resolve(path));
  const str = (o: Record<string, unknown>, k: string) =>
    typeof o[k] === "string" && o[k] !== "" ? (o[k] as string) : undefined;
  const file = (p: string) => readFileSync(isAbsolute(p) ? p : resolve(base, p));
  const data = (o: Record<string, unknown>, dataKey: string, fileKey: string) => {
    const inline = str(o, dataKey);
    if (inline) return Buffer.from(inline, "base64");
    const f = str(o, fileKey);
    return f ? file(f) : undefined;
  };
  const server = str(cluster, "server");
  if (!server) throw new Error(`${path}: cluster "${ctx.cluster}" has no server`);
  const tokenFile = str(user, "tokenFile");
  const config: KubeClientConfig = {
    server,
    ca: data(cluster, "certificate-authority-data", "certificate-authority"),
    insecureSkipTlsVerify: cluster["insecure-skip-tls-verify"] === true,
    tlsServerName: str(cluster, "tls-server-name"),
    token: str(user, "token") ?? (tokenFile ? file(tokenFile).toString("utf8").trim() : undefined),
    cert: data(user, "client-certificate-data", "client-certificate"),
    key: data(user, "client-key-data", "client-key"),
  };
  return config;
}

const JSON_TYPE = "application/json";

export class KubeClient {
  readonly server: URL;
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;

  constructor(readonly config: KubeClientConfig) {
    this.server = new URL(config.server);
    if (this.server.protocol === "https:") {
      this.transport = https;
      this.agent = new https.Agent({
        keepAlive: true,
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        rejectUnauthorized: !config.insecureSkipTlsVerify,
        servername: config.tlsServerName,
      });
    } else {
      this.transport = http;
      this.agent = new http.Agent({ keepAlive: true });
    }
  }

  /** A client for a kubeconfig's current (or named) context. */
  static fromKubeconfig(path: string, opts: { context?: string } = {}): KubeClient {
    return new KubeClient(loadKubeconfig(path, opts.context));
  }

  /** Releases pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private open(
    method: string,
    path: string,
    body: unknown,
    opts: RequestOptions,
  ): { req: http.ClientRequest; res: Promise<http.IncomingMessage> } {
    const url = new URL(path, this.server);
    const headers: Record<string, string> = { Accept: JSON_TYPE };
    if (this.config.token) headers.Authorization = `Bearer ${this.config.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === "string" ? body : JSON.stringify(body);
      headers["Content-Type"] =
        opts.contentType ?? (method === "PATCH" ? "application/merge-patch+json" : JSON_TYPE);
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const req = this.transport.request(url, { method, headers, agent: this.agent });
    const res = new Promise<http.IncomingMessage>((resolveRes, reject) => {
      req.once("response", resolveRes);
      req.once("error", reject);
    });
    if (opts.signal) {
      const onAbort = () => req.destroy(new Error(`${method} ${path}: aborted`));
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener("abort", onAbort, { once: true });
      req.once("close", () => opts.signal?.removeEventListener("abort", onAbort));
    }
    req.end(payload);
    return { req, res };
  }

  /** One request; resolves to the parsed JSON body, rejects with KubeApiError on non-2xx. */
  async request<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    opts: RequestOptions = {},
  ): Promise<T> {
    const { req, res } = this.open(method, path, body, opts);
    const timeoutMs = opts.timeoutMs ?? this.config.timeoutMs ?? 30_000;
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)),
    );
    const response = await res;
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    let parsed: unknown = text;
    if ((response.headers["content-type"] ?? "").includes("json") && text) {
      parsed = JSON.parse(text);
    }
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const reason = (parsed as { reason?: string } | undefined)?.reason;
      throw new KubeApiError(method, path, status, reason ?? response.statusMessage, parsed);
    }
    return parsed as T;
  }

  get<T = KubeObject>(path: string, opts?: RequestOptions): Promise<T> {
    return this.request<T>("GET", path, undefined, opts);
  }

  /** A whole collection, following `continue` tokens when the server pages. */
  async list<T = KubeObject>(path: string, opts?: RequestOptions): Promise<KubeList<T>> {
    const first = await this.get<KubeList<T>>(path, opts);
    const items = [...(first.items ?? [])];
    let next = first.metadata?.continue;
    let last = first;
    while (next) {
      last = await this.get<KubeList<T>>(withQuery(path, { continue: next }), opts);
      items.push(...(last.items ?? []));
      next = last.metadata?.continue;
    }
    return { ...first, metadata: { resourceVersion: last.metadata?.resourceVersion }, items };
  }

  /**
   * Streams changes to a collection (`?watch=1`, one JSON event per line) to `onEvent` until
   * `signal` aborts. Reconnects from the last seen resourceVersion when the server ends a
   * stream; bookmarks keep that version fresh. Rejects with KubeApiError 410 ("Expired") when
   * the version is too old (list again, then watch from the list's version), on other API
   * errors, or when `onEvent` throws. Resolves with the last seen resourceVersion.
   */
  async watch<T extends KubeObject = KubeObject>(
    path: string,
    onEvent: (event: WatchEvent<T>) => void,
    opts: WatchOptions = {},
  ): Promise<{ resourceVersion?: string }> {
    let resourceVersion = opts.resourceVersion;
    let failures = 0;
    for (;;) {
      if (opts.signal?.aborted) return { resourceVersion };
      const query: Record<string, string> = { watch: "1", allowWatchBookmarks: "true" };
      if (resourceVersion) query.resourceVersion = resourceVersion;
      if (opts.timeoutSeconds) query.timeoutSeconds = String(opts.timeoutSeconds);
      try {
        const idleMs = opts.idleTimeoutMs ?? WATCH_IDLE_TIMEOUT_MS;
        await this.watchOnce(withQuery(path, query), opts.signal, idleMs, (event) => {
          failures = 0;
          const rv = event.object?.metadata?.resourceVersion;
          if (rv) resourceVersion = rv;
          if (event.type !== "BOOKMARK") onEvent(event as WatchEvent<T>);
        });
      } catch (e) {
        if (opts.signal?.aborted) return { resourceVersion };
        if (e instanceof KubeApiError || e instanceof WatchCallbackError) throw unwrap(e);
        // A dropped connection: retry with backoff, from the last version seen.
        failures++;
        if (failures > 8) throw e;
        await sleep(Math.min(5000, 100 * 2 ** failures), opts.signal);
        continue;
      }
      if (opts.reconnect === false) return { resourceVersion };
    }
  }

  private async watchOnce(
    path: string,
    signal: AbortSignal | undefined,
    idleMs: number,
    handle: (event: { type: string; object: KubeObject }) => void,
  ): Promise<void> {
    const { req, res } = this.open("GET", path, undefined, { signal });
    req.setTimeout(idleMs, () =>
      req.destroy(new Error(`GET ${path}: nothing received for ${idleMs} ms`)),
    );
    const response = await res;
    const status = response.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString("utf8");
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // not JSON: keep the text
      }
      throw new KubeApiError("GET", path, status, (body as { reason?: string })?.reason, body);
    }
    let buffered = "";
    response.setEncoding("utf8");
    for await (const chunk of response) {
      buffered += chunk as string;
      let newline: number;
      while ((newline = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (!line) continue;
        const event = JSON.parse(line) as { type: string; object: KubeObject };
        if (event.type === "ERROR") {
          const s = event.object as { code?: number; reason?: string };
          throw new KubeApiError("GET", path, s.code ?? 500, s.reason, s);
        }
        try {
          handle(event);
        } catch (e) {
          response.destroy();
          throw new WatchCallbackError(e);
        }
      }
    }
  }
}

class WatchCallbackError extends Error {
  constructor(readonly inner: unknown) {
    super("watch callback failed");
  }
}
const unwrap = (e: unknown) => (e instanceof WatchCallbackError ? e.inner : e);

/** `path` with `params` added to its query string. */
export function withQuery(path: string, params: Record<string, string>): string {
  const [base, existing] = path.split("?", 2) as [string, string | undefined];
  const query = new URLSearchParams(existing);
  for (const [k, v] of Object.entries(params)) query.set(k, v);
  return `${base}?${query.toString()}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveSleep) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolveSleep();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
