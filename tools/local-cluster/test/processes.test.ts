import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  cmdlineMatches,
  isOurs,
  procTable,
  rssKiB,
  spawnDetached,
  stopProcess,
} from "../src/host/processes";
import { FakeProcessTable, useTempDir } from "./helpers";

describe("cmdline matching", () => {
  it("matches argument by argument, not as a joined string", () => {
    expect(cmdlineMatches(["a", "b c"], ["a", "b c"])).toBe(true);
    expect(cmdlineMatches(["a", "b", "c"], ["a", "b c"])).toBe(false);
    expect(cmdlineMatches(["a", "b"], ["a", "b", "c"])).toBe(false);
    expect(cmdlineMatches(undefined, ["a"])).toBe(false);
  });

  it("a live pid whose command line differs is not ours", () => {
    const table = new FakeProcessTable(new Map([[42, ["/usr/bin/vim", "notes.txt"]]]));
    expect(isOurs(table, { pid: 42, argv: ["/bin/etcd", "--name=a"] })).toBe(false);
    expect(isOurs(table, { pid: 43, argv: ["/bin/etcd"] })).toBe(false);
    table.procs.set(43, ["/bin/etcd"]);
    expect(isOurs(table, { pid: 43, argv: ["/bin/etcd"] })).toBe(true);
  });
});

describe("stopProcess", () => {
  it("never signals a pid that now runs another program", async () => {
    const table = new FakeProcessTable(new Map([[42, ["/usr/bin/vim"]]]));
    expect(await stopProcess(table, { pid: 42, argv: ["/bin/etcd"] })).toBe("not-ours");
    expect(table.signals).toEqual([]);
    expect(table.procs.has(42)).toBe(true);
  });

  it("reports a gone process without signalling", async () => {
    const table = new FakeProcessTable();
    expect(await stopProcess(table, { pid: 42, argv: ["/bin/etcd"] })).toBe("gone");
    expect(table.signals).toEqual([]);
  });

  it("sends SIGTERM, and SIGKILL only after the grace period", async () => {
    const table = new FakeProcessTable(
      new Map([
        [7, ["/bin/etcd"]],
        [8, ["/bin/kwok"]],
      ]),
    );
    expect(await stopProcess(table, { pid: 7, argv: ["/bin/etcd"] }, 200, 5)).toBe("term");
    expect(table.signals).toEqual([{ pid: 7, signal: "SIGTERM" }]);
    table.ignoreTerm.add(8);
    const t0 = Date.now();
    expect(await stopProcess(table, { pid: 8, argv: ["/bin/kwok"] }, 200, 5)).toBe("kill");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190);
    expect(table.signals.slice(1)).toEqual([
      { pid: 8, signal: "SIGTERM" },
      { pid: 8, signal: "SIGKILL" },
    ]);
  });
});

describe("real processes", () => {
  const t = useTempDir();

  it("starts a detached process, logs to a file, recognises and stops it", async () => {
    const log = join(t.dir, "sleep.log");
    const argv = ["/bin/sh", "-c", "echo hello-from-child; exec sleep 30"];
    const pid = spawnDetached(argv, log);
    // The shell execs sleep, so the command line changes: ours only until then.
    const deadline = Date.now() + 5000;
    while (procTable.cmdline(pid)?.[0] !== "sleep" && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const record = { pid, argv: ["sleep", "30"] };
    expect(isOurs(procTable, record)).toBe(true);
    expect(isOurs(procTable, { pid, argv })).toBe(false);
    expect(rssKiB(pid)).toBeGreaterThan(0);
    expect(await stopProcess(procTable, record, 5000)).toBe("term");
    expect(isOurs(procTable, record)).toBe(false);
    expect(readFileSync(log, "utf8")).toMatch(/starting: \/bin\/sh[\s\S]*hello-from-child/);
  });
});
