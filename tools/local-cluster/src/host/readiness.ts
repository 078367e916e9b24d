import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";

/** Header line that starts each run's part of a component log. */
export const RUN_HEADER = "==== ";

/**
 * The last `n` lines of a log file ("" when it cannot be read). With `currentRun`, only lines
 * written since the last start header count (logs are appended across starts).
 */
export function tailLines(file: string, n = 20, currentRun = false): string {
  try {
    let text = readFileSync(file, "utf8");
    if (currentRun) {
      const at = text.lastIndexOf(`\n${RUN_HEADER}`);
      if (at >= 0) text = text.slice(at + 1);
    }
    const lines = text.replace(/\n+$/, "").split("\n");
    return lines.slice(-n).join("\n");
  } catch {
    return "";
  }
}

/** The port of an "address already in use" failure in a log, when there is one. */
export function bindFailure(log: string): number | undefined {
  const line = log.split("\n").find((l) => /address already in use/i.test(l));
  if (!line) return undefined;
  // "listen tcp 127.0.0.1:6443: bind: ..." (Go); timestamps also contain colons, so anchor on it.
  const m =
    /listen tcp\d? \[?[\w.:]*?\]?:(\d{1,5}): bind/i.exec(line) ??
    /(?:\d{1,3}\.){3}\d{1,3}:(\d{1,5})/.exec(line);
  return m ? Number(m[1]) : undefined;
}

/** A component failed to become ready; the message carries the end of its log. */
export class ReadinessError extends Error {
  constructor(
    readonly component: string,
    message: string,
  ) {
    super(message);
    this.name = "ReadinessError";
  }
}

/** A ReadinessError for `component`: `headline`, a port-clash hint if any, and its log's tail. */
export function failure(component: string, logFile: string, headline: string): ReadinessError {
  const tail = tailLines(logFile, 20, true);
  const port = bindFailure(tail);
  const hint =
    port !== undefined
      ? `\nPort ${port} is already in use by another process: run \`steady-local down\` or free port ${port}, then try again.`
      : "";
  return new ReadinessError(
    component,
    `${headline}${hint}\nLast 20 lines of ${logFile}:\n${tail || "(empty)"}`,
  );
}

export interface WaitOptions {
  readonly component: string;
  readonly logFile: string;
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Whether the process still runs; a dead process fails the wait at once. */
  readonly alive?: () => boolean;
}

/**
 * Polls `check` until it returns true. Fails when the deadline passes or the process dies, with
 * the last 20 lines of the component's log and, for a port clash, which port and what to do.
 */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  opts: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastError = "";
  for (;;) {
    if (opts.alive && !opts.alive()) {
      throw failure(opts.component, opts.logFile, `${opts.component} exited while starting.`);
    }
    try {
      if (await check()) return;
      lastError = "";
    } catch (e) {
      lastError = (e as Error).message;
    }
    if (Date.now() >= deadline) {
      const why = lastError ? ` (last error: ${lastError})` : "";
      throw failure(
        opts.component,
        opts.logFile,
        `${opts.component}: ${what} not reached within ${Math.round(opts.timeoutMs / 1000)} s${why}.`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 150));
  }
}

export interface HttpCheckTls {
  readonly ca?: string | Buffer;
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Accept any server certificate (local health endpoints with self-signed certificates). */
  readonly insecure?: boolean;
}

/** GET `url`; resolves with the status code and body text. */
export function httpGet(
  url: string,
  tls: HttpCheckTls = {},
  timeoutMs = 2000,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const onResponse = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    };
    const req =
      u.protocol === "https:"
        ? https.get(
            u,
            {
              ca: tls.ca,
              cert: tls.cert,
              key: tls.key,
              rejectUnauthorized: !tls.insecure,
              agent: false,
            },
            onResponse,
          )
        : http.get(u, { agent: false }, onResponse);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
  });
}

/** A check that passes when GET `url` answers 200 (and, if given, the body matches). */
export function httpOk(url: string, tls?: HttpCheckTls, body?: RegExp): () => Promise<boolean> {
  return async () => {
    const res = await httpGet(url, tls);
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}: ${res.body.trim()}`);
    if (body && !body.test(res.body)) throw new Error(`${url} answered ${res.body.trim()}`);
    return true;
  };
}
