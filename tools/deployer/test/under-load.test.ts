import { waitFor } from "@steady/testing";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { underLoad } from "../src/under-load";

/** The wall clock on the scale of `startedAtEpochMs`, so the two compare exactly. */
const epochNow = () => performance.timeOrigin + performance.now();

describe("underLoad", () => {
  it("counts requests before, during and after an update, and keeps a failed update's requests", async () => {
    let version = "v1";
    let refuse = false;
    // What the server has seen, so the updates below wait for what they need to happen
    // instead of for a fixed time that a busy machine may fill with no request at all.
    const answered: Record<string, number> = {};
    let refused = 0;
    const srv = http.createServer((req, res) => {
      if (refuse) {
        refused += 1;
        return void req.socket.destroy();
      }
      answered[version] = (answered[version] ?? 0) + 1;
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ version, pod: version }));
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const port = (srv.address() as AddressInfo).port;
    const load = { url: `http://127.0.0.1:${port}`, concurrency: 2, timeoutMs: 2000 };
    // At most one request per worker is in flight when the server switches, so the
    // (concurrency + 1)th request it sees after the switch was sent after it. Every request
    // ends within timeoutMs, which bounds each wait.
    const after = load.concurrency + 1;
    const until = (what: string, seen: () => boolean) =>
      waitFor(what, seen, {
        timeoutMs: (after + load.concurrency) * load.timeoutMs,
        intervalMs: 5,
      });
    try {
      const before = epochNow();
      let updateStartedAt = 0;
      let updateTookMs = 0;
      const ok = await underLoad(
        load,
        async () => {
          updateStartedAt = epochNow();
          const t0 = performance.now();
          await until(`${after} requests answered v1`, () => (answered.v1 ?? 0) >= after);
          version = "v2";
          await until(`${after} requests answered v2`, () => (answered.v2 ?? 0) >= after);
          updateTookMs = performance.now() - t0;
          return "done";
        },
        100,
      );
      expect(ok.result).toBe("done");
      expect(ok.error).toBeUndefined();
      expect(ok.total.firstVersion).toBe("v1");
      expect(ok.total.lastVersion).toBe("v2");
      expect(ok.total.failed).toBe(0);
      expect(ok.during.requests).toBeLessThan(ok.total.requests);
      // The window covers the whole update, however long it took.
      expect(ok.updateToMs - ok.updateFromMs).toBeGreaterThanOrEqual(updateTookMs);
      // The wall-clock anchor: the load starts after `before` and before the update starts.
      expect(ok.startedAtEpochMs).toBeGreaterThanOrEqual(before);
      expect(ok.startedAtEpochMs).toBeLessThanOrEqual(updateStartedAt);

      const bad = await underLoad(
        load,
        async () => {
          refuse = true;
          // The (concurrency + 1)th refused request started during the update.
          const from = refused;
          await until(`${after} refused requests`, () => refused - from >= after);
          refuse = false;
          throw new Error("rollout failed");
        },
        50,
      );
      expect(bad.error?.message).toBe("rollout failed");
      expect(bad.during.failed).toBeGreaterThan(0);
      expect(bad.total.failed).toBeGreaterThanOrEqual(bad.during.failed);
    } finally {
      await new Promise((r) => srv.close(() => r(undefined)));
    }
  }, 60_000);
});
