import {
  ClusterUnreachable,
  describeAnswer,
  outageBoundSeconds,
  OUTAGE_BOUND,
  readyzProbe,
  watchReachability,
  withOutageBound,
  type OutageBound,
} from "../src/deadline";

/** The defaults' shape at a test's pace: 0.3 s tolerance, probes every 50 ms, 0.3 s grace. */
const FAST: OutageBound = {
  toleranceSeconds: 0.3,
  probeIntervalSeconds: 0.05,
  probeTimeoutSeconds: 0.05,
  cancelGraceSeconds: 0.3,
};
const SERVER = "https://127.0.0.1:6443";
const refused = () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:6443"));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A run that stops (rejects) when its signal aborts, as `stack.up({ signal })` does. */
const cancellable = (signal: AbortSignal) =>
  new Promise<string>((_resolve, reject) =>
    signal.addEventListener("abort", () =>
      setTimeout(() => reject(new Error("update canceled")), 20),
    ),
  );

describe("the outage bound", () => {
  it("is the tolerance plus one probe interval and timeout plus the cancel grace", () => {
    expect(outageBoundSeconds()).toBe(30 + 2 + 5 + 20);
    expect(outageBoundSeconds(FAST)).toBeCloseTo(0.7);
    expect(OUTAGE_BOUND.toleranceSeconds).toBe(30);
  });
});

describe("watchReachability", () => {
  it("cancels once, after the tolerance, naming the server and what it answered", async () => {
    const reasons: ClusterUnreachable[] = [];
    const t0 = Date.now();
    const w = watchReachability({
      server: SERVER,
      probe: refused,
      bound: FAST,
      abort: (r) => reasons.push(r),
    });
    await sleep(800);
    w.stop();
    expect(reasons).toHaveLength(1);
    expect(w.tripped).toBe(reasons[0]);
    expect(reasons[0]!.silentMs).toBeGreaterThanOrEqual(300);
    expect(reasons[0]!.silentMs - (Date.now() - t0)).toBeLessThan(0);
    expect(reasons[0]!.message).toMatch(
      /^the cluster is unreachable: its API server https:\/\/127\.0\.0\.1:6443 gave no good answer for \d+ s \(last answer: connect ECONNREFUSED 127\.0\.0\.1:6443\); the update was cancelled\. .*run the same command again/,
    );
  });

  it("does not cancel when the server answers again within the tolerance (a restart)", async () => {
    const t0 = Date.now();
    const aborts: unknown[] = [];
    // Down for 250 ms, from 300 ms on: shorter than the tolerance (400 ms), but ending after
    // more than the tolerance since the watch began, so only the last good answer counts.
    const down = () => Date.now() - t0 >= 300 && Date.now() - t0 < 550;
    const w = watchReachability({
      server: SERVER,
      probe: () => (down() ? refused() : Promise.resolve("ok")),
      bound: { ...FAST, toleranceSeconds: 0.4 },
      abort: (r) => aborts.push(r),
    });
    await sleep(900);
    w.stop();
    expect(aborts).toEqual([]);
    expect(w.tripped).toBeUndefined();
  });
});

describe("withOutageBound", () => {
  it("returns the update's result when the server answers throughout", async () => {
    const run = async () => {
      await sleep(500);
      return "done";
    };
    await expect(
      withOutageBound(run, { server: SERVER, probe: () => Promise.resolve("ok"), bound: FAST }),
    ).resolves.toBe("done");
  });

  it("lets the update's own failure through unchanged", async () => {
    const failure = new Error("Deployment stuck: ProgressDeadlineExceeded");
    await expect(
      withOutageBound(() => Promise.reject(failure), {
        server: SERVER,
        probe: () => Promise.resolve("ok"),
        bound: FAST,
      }),
    ).rejects.toBe(failure);
  });

  it("cancels the update through its signal and fails as unreachable, with the update's error", async () => {
    const trips: ClusterUnreachable[] = [];
    const e = await withOutageBound(cancellable, {
      server: SERVER,
      probe: refused,
      bound: FAST,
      onTrip: (t) => trips.push(t),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ClusterUnreachable);
    const u = e as ClusterUnreachable;
    expect(u.stopped).toBe(true);
    expect(u.updateError?.message).toBe("update canceled");
    expect(u.message).toMatch(/The update's own output is above\.$/);
    expect(u.message).not.toContain("update canceled");
    expect(trips).toHaveLength(1);
  });

  it("fails within the bound even when the update ignores the cancel", async () => {
    const t0 = Date.now();
    const e = await withOutageBound(() => new Promise<never>(() => undefined), {
      server: SERVER,
      probe: refused,
      bound: FAST,
    }).catch((x: unknown) => x);
    const took = Date.now() - t0;
    expect(e).toBeInstanceOf(ClusterUnreachable);
    expect((e as ClusterUnreachable).stopped).toBe(false);
    expect((e as Error).message).toContain("did not stop in time, so it was terminated");
    expect(took).toBeGreaterThanOrEqual(600);
    expect(took).toBeLessThan(outageBoundSeconds(FAST) * 1000 + 500);
  });

  it("also cancels the update when the caller's own signal aborts", async () => {
    const outer = new AbortController();
    const running = withOutageBound(cancellable, {
      server: SERVER,
      probe: () => Promise.resolve("ok"),
      bound: FAST,
      signal: outer.signal,
    });
    outer.abort();
    await expect(running).rejects.toThrow("update canceled");
  });
});

describe("readyzProbe and describeAnswer", () => {
  it("probes GET /readyz with the probe timeout and names the server without a trailing slash", async () => {
    const calls: [string, number][] = [];
    const p = readyzProbe({
      config: { server: `${SERVER}/` },
      get: (path, o) => {
        calls.push([path, o.timeoutMs]);
        return Promise.resolve("ok");
      },
    });
    await p.probe();
    expect(p.server).toBe(SERVER);
    expect(calls).toEqual([["/readyz", 5000]]);
  });

  it("keeps the first line of an answer, shortened", () => {
    expect(describeAnswer(new Error("GET /readyz: 500: [-]etcd failed\n[+]ping ok"))).toBe(
      "GET /readyz: 500: [-]etcd failed",
    );
    expect(describeAnswer("x".repeat(400))).toHaveLength(300);
  });
});
