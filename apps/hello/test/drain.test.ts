/**
 * The app as Kubernetes runs it: compiled with the build's tsconfig, started as its own process,
 * stopped with a real signal while clients keep sending requests.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { freePort, request, sleep, tryConnect, waitFor } from "./http";

const appDir = join(__dirname, "..");
let outDir: string;

beforeAll(() => {
  // Inside dist/ (ignored by git), so the compiled app resolves prom-client from node_modules
  // the way the built app and the image do; a directory under /tmp would find none.
  mkdirSync(join(appDir, "dist"), { recursive: true });
  outDir = mkdtempSync(join(appDir, "dist", "test-build-"));
  // The same compiler and tsconfig as `npm run build`, into a scratch directory.
  const tsc = require.resolve("typescript/bin/tsc");
  const args = ["-p", join(appDir, "tsconfig.build.json"), "--outDir", outDir];
  const noExtras = ["--declaration", "false", "--declarationMap", "false", "--sourceMap", "false"];
  try {
    execFileSync(process.execPath, [tsc, ...args, ...noExtras], { stdio: "pipe" });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`tsc failed:\n${stdout.toString()}${stderr.toString()}`);
  }
}, 30_000);

afterAll(() => {
  rmSync(outDir, { recursive: true, force: true });
});

/** One line of the app's stdout, parsed. */
type LogLine = { event: string; msg: string } & Record<string, unknown>;

/** A running copy of the compiled app. */
interface AppProcess {
  child: ChildProcess;
  /** Lifecycle events printed so far, in order. */
  events: LogLine[];
  /** Everything printed to stderr so far. */
  stderr(): string;
  /** Resolves with the first event named `name`; rejects if the process exits first. */
  event(name: string): Promise<LogLine>;
  /** Resolves when the process has exited, with its code and the time it exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const running: ChildProcess[] = [];
afterEach(() => {
  // A failed test must not leave its app behind.
  for (const child of running.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

/** Starts the compiled app with only the given environment (plus PATH). */
function runApp(env: Record<string, string>): AppProcess {
  const child = spawn(process.execPath, [join(outDir, "main.js")], {
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.push(child);
  const events: LogLine[] = [];
  const waiters: Array<() => void> = [];
  let stdout = "";
  let stderr = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    const lines = stdout.split("\n");
    stdout = lines.pop() ?? "";
    for (const line of lines) {
      // Anything that is not a JSON event shows up in the assertions on `events`.
      try {
        events.push(JSON.parse(line) as LogLine);
      } catch {
        events.push({ event: "not-json", msg: line });
      }
    }
    for (const wake of waiters) wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>(
    (resolve) => {
      child.once("exit", (code, signal) => {
        resolve({ code, signal, at: Date.now() });
        for (const wake of waiters) wake();
      });
    },
  );
  const event = (name: string) =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const found = events.find((e) => e.event === name);
        if (found !== undefined) resolve(found);
        else if (child.exitCode !== null || child.signalCode !== null) {
          reject(new Error(`app exited before "${name}"; stderr: ${stderr}`));
        }
      };
      waiters.push(check);
      check();
    });
  return { child, events, stderr: () => stderr, event, exited };
}

/**
 * How long the app delays the slow requests: long enough that they are still in flight when
 * the app handles the signal, however late a busy machine lets it run.
 */
const SLOW_MS = 2000;
/** A request the tests never see answered: the app exits (or cuts it) long before. */
const NEVER_MS = 10_000;

/**
 * Two plain requests answered after `written`: the app has read every request written before
 * them (it reads all sockets that are ready on each turn of its loop, and a new connection is
 * accepted on one turn and read on a later one), instead of a sleep a busy machine may outlast.
 */
async function afterAppRead(port: number): Promise<void> {
  await request(port, "/");
  await request(port, "/");
}

/** What happened to one request the test sent. */
interface Outcome {
  path: string;
  /** The request was completely written to its connection before SIGTERM was sent. */
  sentBeforeSignal: boolean;
  status?: number;
  body?: string;
  connection?: string;
  error?: string;
}

describe("the compiled app", () => {
  it("drains on SIGTERM without failing any request sent before it, then exits 0", async () => {
    const port = await freePort();
    const drainSeconds = 10;
    const app = runApp({
      PORT: String(port),
      DRAIN_SECONDS: String(drainSeconds),
      POD_NAME: "drain-test",
    });
    expect((await app.event("started")).port).toBe(port);

    let signalSent = false;
    const send = async (path: string, agent?: http.Agent, written?: () => void) => {
      const outcome: Outcome = { path, sentBeforeSignal: false };
      try {
        const reply = await request(port, path, {
          ...(agent === undefined ? {} : { agent }),
          // Classified when the last byte is out: a request still being written at SIGTERM
          // counts as "after", which only shrinks the set that must succeed.
          onWritten: () => {
            outcome.sentBeforeSignal = !signalSent;
            written?.();
          },
        });
        outcome.status = reply.status;
        outcome.body = reply.body;
        outcome.connection = reply.headers.connection;
      } catch (error) {
        outcome.error = (error as NodeJS.ErrnoException).code ?? String(error);
      }
      return outcome;
    };

    // Eight keep-alive clients, each sending one request after the other as fast as it can,
    // until the app is gone (or, should a failed assertion end the test early, for at most 30 s).
    const outcomes: Outcome[] = [];
    let stop = false;
    void app.exited.then(() => (stop = true));
    const stopAt = Date.now() + 30_000;
    const agents = Array.from(
      { length: 8 },
      () => new http.Agent({ keepAlive: true, maxSockets: 1 }),
    );
    const clients = agents.map(async (agent) => {
      while (!stop && Date.now() < stopAt) {
        const outcome = await send("/", agent);
        outcomes.push(outcome);
        // After SIGTERM new connections are refused; no need to spin on that.
        if (outcome.error !== undefined) await sleep(5);
      }
    });

    // Enough traffic that the test means something, however slowly it comes.
    await waitFor(
      "20 answered requests",
      () => outcomes.filter((o) => o.status === 200).length >= 20,
      20_000,
    );
    // Slow requests, each on its own connection, still in flight when SIGTERM arrives.
    let slowWritten = 0;
    const slow = Array.from({ length: 4 }, () =>
      send(`/?delay=${SLOW_MS}`, undefined, () => (slowWritten += 1)),
    );
    const slowDone = { count: 0 };
    for (const s of slow) void s.then(() => (slowDone.count += 1));
    await waitFor("the slow requests to be written", () => slowWritten === 4);
    await afterAppRead(port);

    signalSent = true;
    const signalAt = Date.now();
    app.child.kill("SIGTERM");

    // The listener closes right away, while the slow requests are still being answered: try
    // until it refuses, or until a slow answer or the exit shows it did not close first.
    let refused = false;
    while (!refused && slowDone.count === 0 && app.child.exitCode === null) {
      refused = (await tryConnect(port)) === "ECONNREFUSED";
      if (!refused) await sleep(5);
    }
    expect(refused).toBe(true);
    expect({ alive: app.child.exitCode === null, slowDone: slowDone.count }).toEqual({
      alive: true,
      slowDone: 0,
    });
    await sleep(50);
    expect(await tryConnect(port)).toBe("ECONNREFUSED");

    const exit = await app.exited;
    await Promise.all(clients);
    for (const agent of agents) agent.destroy();

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 0, signal: null });
    // Before the drain deadline: it left once the slow requests were answered (the drained
    // event below counts no cut connection), not when DRAIN_SECONDS ran out.
    expect(exit.at - signalAt).toBeLessThan(drainSeconds * 1000);

    const slowOutcomes = await Promise.all(slow);
    expect(slowOutcomes).toEqual(
      Array.from({ length: 4 }, () => ({
        path: `/?delay=${SLOW_MS}`,
        sentBeforeSignal: true,
        status: 200,
        body: "Hello Kubernetes bootcamp! | Running on: drain-test | v=v1\n",
        connection: "close",
      })),
    );

    const before = outcomes.filter((o) => o.sentBeforeSignal);
    // Enough traffic that the test means something.
    expect(before.length).toBeGreaterThanOrEqual(20);
    expect(before.filter((o) => o.status !== 200)).toEqual([]);

    expect(app.events.map((e) => e.event)).toEqual(["started", "draining", "drained", "exit"]);
    expect(app.events[2]).toMatchObject({ cutConnections: 0 });
    expect(app.events[3]).toMatchObject({ code: 0, signal: "SIGTERM", cutConnections: 0 });
    expect(app.stderr()).toBe("");
  }, 60_000);

  it("cuts a request that outlasts DRAIN_SECONDS, says so, and exits 1", async () => {
    const port = await freePort();
    const app = runApp({ PORT: String(port), DRAIN_SECONDS: "1" });
    await app.event("started");
    let writtenAt = 0;
    const slow = request(port, `/?delay=${NEVER_MS}`, {
      onWritten: () => (writtenAt = Date.now()),
    });
    slow.catch(() => undefined);
    await waitFor("the slow request to be written", () => writtenAt > 0);
    await afterAppRead(port);

    const signalAt = Date.now();
    app.child.kill("SIGTERM");
    const exit = await app.exited;

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    // It waited out DRAIN_SECONDS, then cut the request instead of waiting for its answer.
    expect(exit.at - signalAt).toBeGreaterThanOrEqual(950);
    expect(exit.at).toBeLessThan(writtenAt + NEVER_MS);
    await expect(slow).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(app.events.map((e) => e.event)).toEqual(["started", "draining", "drained", "exit"]);
    expect(app.events[2]).toMatchObject({
      msg: "drain deadline of 1 s reached: cut 1 open connection(s)",
      cutConnections: 1,
    });
    expect(app.events[3]).toMatchObject({ code: 1, cutConnections: 1 });
  });

  it("drains on SIGINT too, and a second signal stops the wait", async () => {
    const port = await freePort();
    const app = runApp({ PORT: String(port), DRAIN_SECONDS: "30" });
    await app.event("started");
    let writtenAt = 0;
    const slow = request(port, `/?delay=${NEVER_MS}`, {
      onWritten: () => (writtenAt = Date.now()),
    });
    slow.catch(() => undefined);
    await waitFor("the slow request to be written", () => writtenAt > 0);
    await afterAppRead(port);

    app.child.kill("SIGINT");
    await app.event("draining");
    app.child.kill("SIGINT");
    const exit = await app.exited;

    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: 1, signal: null });
    // Without waiting for the slow request's answer (nor the 30 s drain deadline).
    expect(exit.at).toBeLessThan(writtenAt + NEVER_MS);
    expect(app.events.map((e) => e.event)).toEqual(["started", "draining", "exit"]);
    expect(app.events[2]).toMatchObject({
      msg: "second signal SIGINT while draining: exiting without waiting",
      code: 1,
    });
  });

  it("prints every configuration problem to stderr and exits 2", async () => {
    const app = runApp({ PORT: "70000", VERSION: "", DRAIN_SECONDS: "soon" });
    const exit = await app.exited;
    expect(exit.code).toBe(2);
    expect(app.stderr()).toBe(
      'config error: PORT="70000" is not valid: expected an integer from 1 to 65535\n' +
        'config error: DRAIN_SECONDS="soon" is not valid: expected an integer from 0 to 3600 (seconds)\n' +
        'config error: VERSION="" is not valid: expected a non-empty value\n',
    );
    expect(app.events).toEqual([]);
  });

  it("exits 1 with a log line when the port is taken", async () => {
    const port = await freePort();
    const first = runApp({ PORT: String(port) });
    await first.event("started");
    const second = runApp({ PORT: String(port) });
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    expect(second.events).toEqual([
      expect.objectContaining({
        event: "exit",
        code: 1,
        msg: expect.stringContaining("EADDRINUSE"),
      }),
    ]);
    first.child.kill("SIGTERM");
    expect((await first.exited).code).toBe(0);
  });
});
