import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bindFailure, ReadinessError, tailLines, waitUntil } from "../src/host/readiness";
import { useTempDir } from "./helpers";

describe("readiness waits", () => {
  const t = useTempDir();

  const logWith = (lines: string[]) => {
    const file = join(t.dir, "c.log");
    writeFileSync(file, lines.join("\n") + "\n");
    return file;
  };

  it("tails the last lines of a log", () => {
    const file = logWith(Array.from({ length: 30 }, (_, i) => `line ${i}`));
    expect(tailLines(file, 3)).toBe("line 27\nline 28\nline 29");
    expect(tailLines(join(t.dir, "missing"))).toBe("");
    const runs = logWith(["==== run 1", "old", "", "==== run 2", "new"]);
    expect(tailLines(runs, 20, true)).toBe("==== run 2\nnew");
    expect(tailLines(runs, 20)).toContain("old");
  });

  it("finds the port of a bind failure", () => {
    expect(
      bindFailure(
        '{"level":"fatal","msg":"listen tcp 127.0.0.1:41234: bind: address already in use"}',
      ),
    ).toBe(41234);
    expect(
      bindFailure(
        "E0101 failed to listen on 127.0.0.1:6443: listen tcp 127.0.0.1:6443: bind: address already in use",
      ),
    ).toBe(6443);
    expect(
      bindFailure(
        'E1127 18:01:02.345678   12 run.go:72] "command failed" err="failed to create listener: failed to listen on 127.0.0.1:36555: listen tcp 127.0.0.1:36555: bind: address already in use"',
      ),
    ).toBe(36555);
    expect(bindFailure("all good")).toBeUndefined();
  });

  it("times out with the last 20 lines of the component's log", async () => {
    const file = logWith(Array.from({ length: 25 }, (_, i) => `log ${i}`));
    const err = await waitUntil("readiness", async () => false, {
      component: "kube-scheduler",
      logFile: file,
      timeoutMs: 100,
      intervalMs: 10,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReadinessError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/^kube-scheduler: readiness not reached within 0 s\./);
    expect(msg).toContain(`Last 20 lines of ${file}:\nlog 5\n`);
    expect(msg).not.toContain("log 4\n");
    expect(msg).toMatch(/log 24$/);
  });

  it("fails at once when the process died, with a port hint for a bind failure", async () => {
    const file = logWith(["starting", "listen tcp 127.0.0.1:40000: bind: address already in use"]);
    const t0 = Date.now();
    const err = await waitUntil("readiness", async () => false, {
      component: "etcd",
      logFile: file,
      timeoutMs: 10_000,
      alive: () => false,
    }).catch((e: unknown) => e as Error);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect((err as Error).message).toMatch(
      /^etcd exited while starting\.\nPort 40000 is already in use by another process: run `steady-local down` or free port 40000/,
    );
  });

  it("passes as soon as the check does, remembering the last error otherwise", async () => {
    let n = 0;
    await waitUntil("readiness", async () => ++n >= 3, {
      component: "x",
      logFile: "/none",
      timeoutMs: 1000,
      intervalMs: 5,
    });
    expect(n).toBe(3);
    const err = await waitUntil(
      "readiness",
      async () => {
        throw new Error("connection refused");
      },
      { component: "x", logFile: "/none", timeoutMs: 50, intervalMs: 5 },
    ).catch((e: unknown) => e as Error);
    expect((err as Error).message).toMatch(/\(last error: connection refused\)/);
  });
});
