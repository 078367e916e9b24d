import http from "node:http";
import net from "node:net";
import { waitFor as poll } from "@steady/testing";

/** A complete response as the tests inspect it. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** Options of {@link request}. */
export interface RequestOptions {
  method?: string;
  headers?: http.OutgoingHttpHeaders;
  /** Keep-alive agent to reuse connections with; without one, each request gets its own. */
  agent?: http.Agent;
  /** Called once the request has been handed to the kernel in full. */
  onWritten?: () => void;
}

/** Sends one request to 127.0.0.1 and collects the whole response. */
export function request(port: number, path: string, options: RequestOptions = {}): Promise<Reply> {
  const { method = "GET", headers = {}, agent = false, onWritten } = options;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, path, method, headers, agent }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on("error", reject);
    });
    req.on("error", reject);
    // "finish" comes after the last byte was written to the socket.
    if (onWritten !== undefined) req.on("finish", onWritten);
    req.end();
  });
}

/** Resolves with the error code of a plain TCP connection attempt, or "connected". */
export function tryConnect(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

/** Asks the OS for a port that is free right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `condition` every 5 ms until it holds, failing after `timeoutMs`. */
export async function waitFor(
  what: string,
  condition: () => boolean,
  timeoutMs = 5000,
): Promise<void> {
  await poll(what, condition, { timeoutMs, intervalMs: 5 });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
