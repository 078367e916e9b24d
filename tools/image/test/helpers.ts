import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor as poll } from "@steady/testing";

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = "steady-image-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A plain HTTP GET on 127.0.0.1 without keep-alive. */
export function get(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    req.on("error", reject);
    req.setTimeout(15000, () => req.destroy(new Error(`GET ${path} timed out`)));
  });
}

/**
 * Polls `check` every 100 ms until it returns true; an exception counts as "not yet". Throws
 * after `timeoutMs` (20 s), or at once when `abortIf` returns a reason (a process that died).
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  options: { timeoutMs?: number; abortIf?: () => string | undefined } = {},
): Promise<void> {
  await poll(what, check, { timeoutMs: 20_000, intervalMs: 100, ...options });
}

/** An `abortIf` for {@link waitFor}: gives up once the process has exited. */
export const unlessExited = (running: Running, name: string) => (): string | undefined =>
  running.child.exitCode !== null || running.child.signalCode !== null
    ? `${name} exited (${running.child.exitCode ?? running.child.signalCode}):\n${running.output()}`
    : undefined;

/** A child process with its output collected and its exit awaited. */
export interface Running {
  readonly child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
}

/** Starts a program with collected output. */
export function start(cmd: string, args: readonly string[]): Running {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  child.stderr?.on("data", (b: Buffer) => (output += b.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => {
    child.once("error", () => resolve(-1));
    child.once("exit", (code) => resolve(code));
  });
  return { child, output: () => output, exited };
}

/** Waits for a process to exit, killing it after `ms`; resolves with its exit code. */
export async function exitWithin(running: Running, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), ms)));
  const result = await Promise.race([running.exited, timeout]);
  clearTimeout(timer);
  if (result !== "timeout") return result;
  running.child.kill("SIGKILL");
  await running.exited;
  throw new Error(`process did not exit within ${ms} ms; killed. Output:\n${running.output()}`);
}

/** Runs a program to completion, synchronously; throws with its output on failure. */
export function sh(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

/** Whether a program is on PATH. */
export function onPath(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}

/** Mount points at or below `dir`, deepest first (from /proc/self/mountinfo). */
export function mountsUnder(dir: string): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .map((p) => p.replace(/\\(\d{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}
