import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { waitFor } from "@steady/testing";
import { performance } from "node:perf_hooks";
import {
  percentile,
  startLoad,
  summarizeLoad,
  validateLoadOptions,
  type RequestSample,
} from "../src/load";

/** A local server that answers like the sample app; `mode` switches how it answers. */
function server(): Promise<{ url: string; set(mode: string): void; close(): Promise<void> }> {
  let mode = "v1";
  const srv = http.createServer((req, res) => {
    if (mode === "503") {
      res.writeHead(503).end("draining\n");
      return;
    }
    if (mode === "reset") {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ version: mode, pod: `pod-${mode}` }));
  });
  return new Promise((resolve) =>
    srv.listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        set: (m) => (mode = m),
        close: () => new Promise((r) => srv.close(() => r())),
      }),
    ),
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a sample shows: the version that answered, or why it failed. */
const outcomeOf = (s: RequestSample) => s.error ?? s.version;

describe("startLoad", () => {
  it("records every request, the versions that answered, and every failure by reason", async () => {
    const s = await server();
    const opts = { url: s.url, concurrency: 4, timeoutMs: 2000 };
    const run = startLoad(opts);
    // Each phase lasts until the load has recorded `n` requests of its kind that started after
    // it began, however slow the machine is, instead of a fixed time that a busy machine may fill
    // with no request at all. With n = 2 x concurrency, the requests in flight when a phase
    // began (at most one per worker) have long been answered when the next one begins. Every
    // request ends within timeoutMs, so the phase ends within (n + concurrency) timeouts.
    const n = 2 * opts.concurrency;
    const phases: [mode: string, outcome: string][] = [
      ["v1", "v1"],
      ["v2", "v2"],
      ["503", "HTTP 503"],
      ["reset", "ECONNRESET"],
      ["v2", "v2"],
    ];
    for (const [mode, outcome] of phases) {
      const since = performance.now() - run.startedAt;
      s.set(mode);
      await waitFor(
        `${n} requests answered ${outcome} after the server switched to ${mode}`,
        () => run.samples.filter((x) => x.startMs >= since && outcomeOf(x) === outcome).length >= n,
        { timeoutMs: (n + opts.concurrency) * opts.timeoutMs, intervalMs: 5 },
      );
    }
    const samples = await run.stop();
    await s.close();
    const sum = summarizeLoad(samples);
    expect(sum.requests).toBe(samples.length);
    expect(sum.requests).toBeGreaterThanOrEqual(phases.length * n);
    expect(sum.firstVersion).toBe("v1");
    expect(sum.lastVersion).toBe("v2");
    expect(sum.versions.v1).toBeGreaterThanOrEqual(n);
    expect(sum.versions.v2).toBeGreaterThanOrEqual(2 * n);
    expect(sum.failures["HTTP 503"]).toBeGreaterThanOrEqual(n);
    expect(sum.failures.ECONNRESET).toBeGreaterThanOrEqual(n);
    expect(sum.failed).toBe(Object.values(sum.failures).reduce((a, b) => a + b, 0));
    expect(sum.pods).toBe(2);
    expect(sum.p50Ms).toBeLessThanOrEqual(sum.p99Ms);
  }, 60_000);

  it("counts a refused connection as a failure", async () => {
    const s = await server();
    const url = s.url;
    await s.close();
    const run = startLoad({ url, concurrency: 2 });
    await sleep(50);
    const sum = summarizeLoad(await run.stop());
    expect(sum.requests).toBeGreaterThan(0);
    expect(sum.failed).toBe(sum.requests);
    expect(Object.keys(sum.failures)).toEqual(["ECONNREFUSED"]);
  });

  it("refuses bad options, naming each", () => {
    expect(() => startLoad({ url: "nope", concurrency: 0 })).toThrow(
      /url: "nope" is not a URL[\s\S]*concurrency: 0 is not valid; expected an integer from 1 to 512/,
    );
    expect(validateLoadOptions({ url: "https://x", path: "x", timeoutMs: -1 })).toEqual([
      'url: "https://x" must use http:',
      "timeoutMs: -1 is not valid; expected a positive number of milliseconds",
      'path: "x" must start with "/"',
    ]);
  });
});

describe("summarizeLoad", () => {
  it("keeps only the samples that started in the window", () => {
    const samples = [0, 10, 20, 30].map((t) => ({ startMs: t, latencyMs: t + 1, version: "v" }));
    const sum = summarizeLoad(samples, { fromMs: 10, toMs: 30 });
    expect(sum.requests).toBe(2);
    expect(sum.p50Ms).toBe(11);
    expect(sum.maxMs).toBe(21);
  });

  it("takes nearest-rank percentiles", () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(v, 0.5)).toBe(50);
    expect(percentile(v, 0.99)).toBe(99);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });
});
