import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { underLoad } from "../src/under-load";

describe("underLoad", () => {
  it("counts requests before, during and after an update, and keeps a failed update's requests", async () => {
    let version = "v1";
    let refuse = false;
    const srv = http.createServer((req, res) => {
      if (refuse) return void req.socket.destroy();
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ version, pod: version }));
    });
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", () => r()));
    const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
    try {
      const before = Date.now();
      const ok = await underLoad(
        { url, concurrency: 2 },
        async () => {
          await new Promise((r) => setTimeout(r, 100));
          version = "v2";
          await new Promise((r) => setTimeout(r, 100));
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
      expect(ok.updateToMs - ok.updateFromMs).toBeGreaterThanOrEqual(190);
      // The wall-clock anchor: the load starts after `before` and well before the update ends.
      expect(ok.startedAtEpochMs).toBeGreaterThanOrEqual(before - 1);
      expect(ok.startedAtEpochMs).toBeLessThan(before + 100);

      const bad = await underLoad(
        { url, concurrency: 2 },
        async () => {
          refuse = true;
          await new Promise((r) => setTimeout(r, 100));
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
  });
});
