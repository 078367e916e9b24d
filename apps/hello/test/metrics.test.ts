import { ConfigError, parseConfig } from "../src/config";
import { createFailureInjector } from "../src/failure";
import { METRIC_NAMES, createMetrics, statusClass } from "../src/metrics";
import { createApp, type App } from "../src/server";
import type { Config } from "../src/config";
import { request } from "./http";

function config(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    version: "v9",
    drainSeconds: 5,
    readinessGraceSeconds: 0,
    greeting: "hi",
    podName: "hello-m1",
    podNamespace: undefined,
    configFile: undefined,
    failureRatio: 0,
    ...overrides,
  };
}

const started: App[] = [];
async function startApp(overrides: Partial<Config> = {}): Promise<number> {
  const app = createApp(config(overrides), { log: () => undefined });
  started.push(app);
  return app.start();
}
afterEach(async () => {
  await Promise.all(started.splice(0).map((app) => app.drain()));
});

/** The value of one sample line of the exposition, by its exact name and labels. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("HELLO_FAILURE_RATIO", () => {
  it.each([
    ["0", 0],
    ["0.2", 0.2],
    ["0.05", 0.05],
    ["0.125", 0.125],
    ["1", 1],
    ["1.0", 1],
  ])("accepts %j as %d", (raw, expected) => {
    expect(parseConfig({ HELLO_FAILURE_RATIO: raw }).failureRatio).toBe(expected);
  });

  it.each(["", "1.5", "-0.1", "0.2%", "20", ".2", "0.1234", "1.01", " 0.2", "NaN", "1e-1"])(
    "refuses %j, naming the variable and the valid range",
    (raw) => {
      let problems: string[] = [];
      try {
        parseConfig({ HELLO_FAILURE_RATIO: raw });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        problems = (error as ConfigError).problems;
      }
      expect(problems).toEqual([
        `HELLO_FAILURE_RATIO=${JSON.stringify(raw)} is not valid: expected a decimal from 0 to 1 ` +
          "with at most 3 decimal places (0.2 answers one GET / in five with 500)",
      ]);
    },
  );

  it("defaults to 0: nothing fails on purpose", () => {
    expect(parseConfig({}).failureRatio).toBe(0);
  });
});

describe("createFailureInjector", () => {
  it.each([
    [0, 100, 0],
    [0.2, 100, 20],
    [0.2, 7, 1],
    [0.333, 1000, 333],
    [0.001, 999, 0],
    [0.001, 1000, 1],
    [1, 50, 50],
  ])("with ratio %d fails exactly floor(n * ratio) of %d requests (%d)", (ratio, n, failed) => {
    const fail = createFailureInjector(ratio);
    let count = 0;
    for (let i = 0; i < n; i += 1) if (fail()) count += 1;
    expect(count).toBe(failed);
  });

  it("spreads the failures: 0.2 fails every fifth request", () => {
    const fail = createFailureInjector(0.2);
    expect(Array.from({ length: 10 }, () => fail())).toEqual([
      false, false, false, false, true, false, false, false, false, true,
    ]);
  });
});

describe("createMetrics", () => {
  it.each([
    [200, "2xx"],
    [404, "4xx"],
    [500, "5xx"],
    [503, "5xx"],
  ])("puts status %d in class %s", (status, cls) => {
    expect(statusClass(status)).toBe(cls);
  });

  it("counts requests by route and status class, with the version on every series", async () => {
    const m = createMetrics("v3");
    m.observe({ route: "hello", status: 200 }, 0.004);
    m.observe({ route: "hello", status: 200 }, 0.03);
    m.observe({ route: "hello", status: 500 }, 0.002);
    const text = await m.render();
    const req = METRIC_NAMES.requests;
    expect(sample(text, `${req}{route="hello",status_class="2xx",version="v3"}`)).toBe(2);
    expect(sample(text, `${req}{route="hello",status_class="5xx",version="v3"}`)).toBe(1);
    const dur = METRIC_NAMES.duration;
    expect(sample(text, `${dur}_bucket{le="0.005",version="v3",route="hello"}`)).toBe(2);
    expect(sample(text, `${dur}_bucket{le="0.05",version="v3",route="hello"}`)).toBe(3);
    expect(sample(text, `${dur}_bucket{le="+Inf",version="v3",route="hello"}`)).toBe(3);
    expect(sample(text, `${dur}_count{version="v3",route="hello"}`)).toBe(3);
    expect(sample(text, `${METRIC_NAMES.info}{version="v3"}`)).toBe(1);
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe("GET /metrics", () => {
  it("reports served requests, not probes or scrapes", async () => {
    const port = await startApp();
    await request(port, "/");
    await request(port, "/version");
    await request(port, "/nope");
    await request(port, "/healthz");
    await request(port, "/readyz");
    await request(port, "/metrics");
    const reply = await request(port, "/metrics");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    const req = METRIC_NAMES.requests;
    expect(sample(reply.body, `${req}{route="hello",status_class="2xx",version="v9"}`)).toBe(1);
    expect(sample(reply.body, `${req}{route="version",status_class="2xx",version="v9"}`)).toBe(1);
    expect(sample(reply.body, `${req}{route="unknown",status_class="4xx",version="v9"}`)).toBe(1);
    expect(reply.body).not.toMatch(/route="(healthz|readyz|metrics)"/);
  });

  it("with HELLO_FAILURE_RATIO=0.2 fails one GET / in five and stays Ready", async () => {
    const port = await startApp({ failureRatio: 0.2 });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await request(port, "/")).status);
    expect(statuses.filter((s) => s === 500)).toHaveLength(2);
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
    for (let i = 0; i < 5; i += 1) {
      expect((await request(port, "/readyz")).status).toBe(200);
      expect((await request(port, "/healthz")).status).toBe(200);
      expect((await request(port, "/metrics")).status).toBe(200);
    }
    const text = (await request(port, "/metrics")).body;
    const req = METRIC_NAMES.requests;
    expect(sample(text, `${req}{route="hello",status_class="5xx",version="v9"}`)).toBe(2);
    expect(sample(text, `${req}{route="hello",status_class="2xx",version="v9"}`)).toBe(8);
  });
});
