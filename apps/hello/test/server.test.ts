import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import type { Config } from "../src/config";
import type { LifecycleEvent, Logger } from "../src/log";
import { createApp, type App } from "../src/server";
import { freePort, request, sleep, tryConnect, waitFor } from "./http";

/** Settings for an in-process app on a free port; fractional seconds keep the tests short. */
function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    version: "v7",
    drainSeconds: 5,
    readinessGraceSeconds: 0,
    greeting: "Hello Kubernetes bootcamp!",
    podName: "hello-abc12",
    podNamespace: "demo",
    configFile: undefined,
    failureRatio: 0,
    ...overrides,
  };
}

interface Logged {
  event: LifecycleEvent;
  msg: string;
  fields: Record<string, unknown>;
}

/** An app whose lifecycle events land in `events` instead of stdout. */
function testApp(overrides: Partial<Config> = {}): { app: App; events: Logged[] } {
  const events: Logged[] = [];
  const log: Logger = (event, msg, fields = {}) => events.push({ event, msg, fields });
  return { app: createApp(testConfig(overrides), { log }), events };
}

// Every app a test starts is drained afterwards, so no listener outlives its test.
const started: App[] = [];
async function startApp(overrides: Partial<Config> = {}) {
  const made = testApp(overrides);
  started.push(made.app);
  const port = await made.app.start();
  return { ...made, port };
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.drain()));
});

describe("routes", () => {
  let port: number;
  let events: Logged[];
  let app: App;
  // Keep-alive, like real clients, so the Connection header the app chooses is visible.
  const agent = new http.Agent({ keepAlive: true });
  beforeAll(async () => {
    ({ app, events } = testApp());
    port = await app.start();
  });
  afterAll(async () => {
    agent.destroy();
    await app.drain();
  });
  const get = (path: string, headers: http.OutgoingHttpHeaders = {}) =>
    request(port, path, { agent, headers });

  it("GET / greets in the bootcamp's format", async () => {
    const reply = await get("/");
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("Hello Kubernetes bootcamp! | Running on: hello-abc12 | v=v7\n");
    expect(reply.headers).toMatchObject({
      "content-type": "text/plain; charset=utf-8",
      "content-length": String(reply.body.length),
      "cache-control": "no-store",
      vary: "Accept",
      connection: "keep-alive",
    });
  });

  it.each([
    ["application/json", true],
    ["text/html, application/json;q=0.9", true],
    ["application/*", true],
    ["APPLICATION/JSON", true],
    ["application/json;q=0", false],
    ["application/json; q=0.0, text/plain", false],
    ["text/plain", false],
    ["*/*", false],
  ])("GET / with Accept: %s answers JSON: %s", async (accept, json) => {
    const reply = await get("/", { accept });
    expect(reply.status).toBe(200);
    if (json) {
      expect(reply.headers["content-type"]).toBe("application/json; charset=utf-8");
      expect(JSON.parse(reply.body)).toEqual({
        greeting: "Hello Kubernetes bootcamp!",
        version: "v7",
        pod: "hello-abc12",
        namespace: "demo",
      });
    } else {
      expect(reply.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect(reply.body).toBe("Hello Kubernetes bootcamp! | Running on: hello-abc12 | v=v7\n");
    }
  });

  it("HEAD / sends the headers of GET / without a body", async () => {
    const reply = await request(port, "/", { agent, method: "HEAD" });
    expect(reply.status).toBe(200);
    expect(reply.body).toBe("");
    expect(reply.headers["content-length"]).toBe(
      String("Hello Kubernetes bootcamp! | Running on: hello-abc12 | v=v7\n".length),
    );
  });

  it.each([
    ["/healthz", 200, "ok\n"],
    ["/healthz?probe=liveness", 200, "ok\n"],
    ["/readyz", 200, "ready\n"],
    ["/version", 200, "v7\n"],
    ["/config", 404, "no CONFIG_FILE configured\n"],
    ["/nope", 404, "not found\n"],
    ["/healthz/", 404, "not found\n"],
    ["/HEALTHZ", 404, "not found\n"],
    ["/constructor", 404, "not found\n"],
    ["/__proto__", 404, "not found\n"],
    ["//example.com/healthz", 404, "not found\n"],
  ])("GET %s → %i", async (path, status, body) => {
    const reply = await get(path);
    expect({ status: reply.status, body: reply.body }).toEqual({ status, body });
    expect(reply.headers["content-type"]).toBe("text/plain; charset=utf-8");
  });

  it.each(["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])(
    "%s / → 405 with Allow",
    async (method) => {
      const reply = await request(port, "/", { agent, method });
      expect(reply.status).toBe(405);
      expect(reply.headers.allow).toBe("GET, HEAD");
      expect(reply.body).toBe("method not allowed: use GET, HEAD\n");
    },
  );

  it("405 applies to every route, 404 wins on unknown paths", async () => {
    expect((await request(port, "/readyz", { agent, method: "POST" })).status).toBe(405);
    expect((await request(port, "/nope", { agent, method: "POST" })).status).toBe(404);
  });

  it("GET /?delay=ms answers after the delay", async () => {
    const began = Date.now();
    const reply = await get("/?delay=150");
    expect(reply.status).toBe(200);
    expect(Date.now() - began).toBeGreaterThanOrEqual(145);
  });

  it.each(["-1", "abc", "10001", "1.5", "", "1e3"])("GET /?delay=%j → 400", async (delay) => {
    const reply = await get(`/?delay=${delay}`);
    expect(reply.status).toBe(400);
    expect(reply.body).toBe("delay must be an integer from 0 to 10000 (milliseconds)\n");
  });

  it("logs lifecycle events only, not requests", async () => {
    await get("/");
    expect(events.map((e) => e.event)).toEqual(["started"]);
    expect(events[0]?.fields).toMatchObject({ port, version: "v7", pod: "hello-abc12" });
  });
});

describe("GET /config", () => {
  it.each([
    ["application/json", '{"feature":true}\n'],
    ["text/plain", "feature=on\n"],
  ] as const)("serves the CONFIG_FILE content as %s", async (contentType, content) => {
    const { port } = await startApp({
      configFile: { path: "/etc/hello/config", contentType, content },
    });
    const reply = await request(port, "/config");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe(`${contentType}; charset=utf-8`);
    expect(reply.body).toBe(content);
  });
});

describe("lifecycle", () => {
  it("is unready before start, ready after, and start is idempotent", async () => {
    const { app } = testApp();
    started.push(app);
    expect(app.state).toEqual({
      phase: "starting",
      ready: false,
      openConnections: 0,
      inFlightRequests: 0,
    });
    const port = await app.start();
    expect(port).toBeGreaterThan(0);
    expect(app.state).toMatchObject({ phase: "ready", ready: true });
    expect(await app.start()).toBe(port);
  });

  it("rejects start when the port is taken", async () => {
    const { port } = await startApp();
    const { app } = testApp({ port });
    await expect(app.start()).rejects.toMatchObject({ code: "EADDRINUSE" });
    expect(app.state.ready).toBe(false);
  });

  it("turns unready at once when drain begins, and stays live", async () => {
    const { app, port, events } = await startApp({ readinessGraceSeconds: 0.3 });
    const agent = new http.Agent({ keepAlive: true });
    expect((await request(port, "/readyz", { agent })).status).toBe(200);

    const drained = app.drain();
    expect(app.drain()).toBe(drained);
    // Synchronous: no request can observe "ready" once drain() has returned.
    expect(app.state).toMatchObject({ phase: "draining", ready: false });

    const readyz = await request(port, "/readyz", { agent });
    expect(readyz.status).toBe(503);
    expect(readyz.body).toBe("draining\n");
    // Keep-alive clients are told to reconnect, to a pod that is still in the endpoints.
    expect(readyz.headers.connection).toBe("close");
    const healthz = await request(port, "/healthz", { agent });
    expect({ status: healthz.status, connection: healthz.headers.connection }).toEqual({
      status: 200,
      connection: "close",
    });

    const result = await drained;
    agent.destroy();
    expect(result.cutConnections).toBe(0);
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(app.state).toMatchObject({ phase: "stopped", ready: false, openConnections: 0 });
    expect(await tryConnect(port)).toBe("ECONNREFUSED");
    expect(events.map((e) => e.event)).toEqual(["started", "draining", "drained"]);
    expect(events[2]).toMatchObject({
      msg: "all connections finished",
      fields: { cutConnections: 0 },
    });
  });

  it("lets an in-flight request finish after the listener closed", async () => {
    const { app, port } = await startApp();
    const agent = new http.Agent({ keepAlive: true });
    const slow = request(port, "/?delay=400", { agent });
    await waitFor("the slow request to arrive", () => app.state.inFlightRequests === 1);

    const drained = app.drain();
    await waitFor("the listener to close", () => !app.server.listening);
    expect(await tryConnect(port)).toBe("ECONNREFUSED");
    expect(app.state.inFlightRequests).toBe(1);

    const reply = await slow;
    expect(reply.status).toBe(200);
    expect(reply.headers.connection).toBe("close");
    expect((await drained).cutConnections).toBe(0);
    agent.destroy();
  });

  // The next two send a request and call drain() in the same tick, before the server could read
  // it: the listener must not close (which also closes "idle" connections) until it has.
  it("serves a request written on a new connection just before drain()", async () => {
    const { app, port } = await startApp();
    const socket = net.connect({ host: "127.0.0.1", port });
    await once(socket, "connect");
    socket.write("GET / HTTP/1.1\r\nHost: test\r\n\r\n");
    const drained = app.drain();
    const response = await readUntilClosed(socket);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(response).toContain("\r\nConnection: close\r\n");
    expect((await drained).cutConnections).toBe(0);
  });

  it("serves a request written on an idle keep-alive connection just before drain()", async () => {
    const { app, port } = await startApp();
    const socket = net.connect({ host: "127.0.0.1", port });
    await once(socket, "connect");
    socket.setEncoding("utf8");
    let received = "";
    socket.on("data", (chunk: string) => (received += chunk));
    socket.write("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
    await waitFor("the first response", () => received.endsWith("\r\n\r\nok\n"));
    expect(received).toContain("\r\nConnection: keep-alive\r\n");
    await waitFor("the connection to go idle", () => app.state.inFlightRequests === 0);

    received = "";
    socket.write("GET /version HTTP/1.1\r\nHost: test\r\n\r\n");
    const drained = app.drain();
    await once(socket, "end");
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received).toContain("\r\nConnection: close\r\n");
    expect(received.endsWith("\r\n\r\nv7\n")).toBe(true);
    expect((await drained).cutConnections).toBe(0);
  });

  it("closes idle keep-alive connections instead of waiting for them", async () => {
    const { app, port } = await startApp();
    const agent = new http.Agent({ keepAlive: true });
    await request(port, "/", { agent });
    expect(app.state.openConnections).toBe(1);
    const result = await app.drain();
    expect(result.cutConnections).toBe(0);
    // Well below the 5 s keep-alive timeout the idle connection would otherwise last.
    expect(result.durationMs).toBeLessThan(1000);
    agent.destroy();
  });

  it("cuts what is left at the drain deadline and says how many", async () => {
    const { app, port, events } = await startApp({ drainSeconds: 0.3 });
    const slow = request(port, "/?delay=5000");
    slow.catch(() => undefined);
    await waitFor("the slow request to arrive", () => app.state.inFlightRequests === 1);

    const result = await app.drain();
    expect(result.cutConnections).toBe(1);
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(2000);
    await expect(slow).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(events.at(-1)).toMatchObject({
      event: "drained",
      msg: "drain deadline of 0.3 s reached: cut 1 open connection(s)",
      fields: { cutConnections: 1 },
    });
  });

  it("drains before start without listening, and refuses to start afterwards", async () => {
    const { app, events } = testApp({ port: await freePort() });
    expect(await app.drain()).toMatchObject({ cutConnections: 0 });
    expect(app.state.phase).toBe("stopped");
    await expect(app.start()).rejects.toThrow("cannot start: the app is stopped");
    expect(events.map((e) => e.event)).toEqual(["draining", "drained"]);
  });

  it("never turns ready when drain comes while it binds", async () => {
    const { app, events } = testApp();
    const starting = app.start();
    const drained = app.drain();
    const port = await starting;
    expect(app.state.ready).toBe(false);
    expect(await drained).toMatchObject({ cutConnections: 0 });
    await sleep(10);
    expect(await tryConnect(port)).toBe("ECONNREFUSED");
    expect(events.map((e) => e.event)).toEqual(["draining", "started", "drained"]);
  });
});

/** Collects everything a raw socket receives until the server closes it; rejects on reset. */
function readUntilClosed(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (text += chunk));
    socket.once("error", reject);
    socket.once("end", () => resolve(text));
  });
}
