import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import {
  formatAge,
  formatLocked,
  holderState,
  inspectLocks,
  lockDir,
  parseLock,
  readLocks,
  recoveryDecision,
  type InspectedLock,
  type Machine,
  type StackLock,
} from "../src/locks";

const lock = (over: Partial<StackLock> = {}): StackLock => ({
  file: "/b/.pulumi/locks/organization/steady-app/dev/1.json",
  pid: 4242,
  username: "ci",
  hostname: "runner-1",
  timestamp: new Date("2026-12-01T23:00:00Z"),
  ...over,
});

/** A machine where only the given pids run, with the given command names. */
const machine = (hostname: string, running: Record<number, string>): Machine => ({
  hostname,
  processName: (pid) => running[pid],
});

describe("Pulumi lock files", () => {
  it("parses what the file backend of Pulumi 3.248 writes", () => {
    const text =
      '{"pid":31337,"username":"root","hostname":"box","timestamp":"2026-12-01T23:12:45.123456789Z"}';
    expect(parseLock("/x.json", text)).toEqual({
      file: "/x.json",
      pid: 31337,
      username: "root",
      hostname: "box",
      timestamp: new Date("2026-12-01T23:12:45.123Z"),
    });
  });

  it.each([
    ["not json", "/x.json is not a Pulumi lock file: Unexpected token"],
    ['{"pid":"1","hostname":"h","timestamp":"2026-01-01T00:00:00Z"}', "expected {pid, username"],
    ['{"pid":1,"hostname":"h","timestamp":"yesterday"}', "expected {pid, username"],
  ])("rejects %j naming the file", (text, message) => {
    expect(() => parseLock("/x.json", text)).toThrow(message);
  });

  it("finds the lock directory of a file:// backend, and none for other backends", () => {
    expect(lockDir("file:///srv/state", "organization/steady-app/dev")).toBe(
      "/srv/state/.pulumi/locks/organization/steady-app/dev",
    );
    expect(lockDir("s3://bucket", "organization/steady-app/dev")).toBeUndefined();
  });

  it("reads every lock of a stack, and none when the directory is missing", () => {
    const dir = mkdtempSync(join(tmpdir(), "steady-locks-"));
    try {
      expect(readLocks(join(dir, "missing"))).toEqual([]);
      mkdirSync(join(dir, "sub"));
      writeFileSync(
        join(dir, "a.json"),
        '{"pid":1,"username":"u","hostname":"h","timestamp":"2026-01-01T00:00:00Z"}',
      );
      writeFileSync(join(dir, "notes.txt"), "ignored");
      const [only, ...rest] = inspectLocks(dir, machine("h", { 1: "pulumi" }));
      expect(rest).toEqual([]);
      expect(only).toMatchObject({ pid: 1, holder: "alive", file: join(dir, "a.json") });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the holder of a lock", () => {
  it.each([
    ["alive: same host, the pid runs pulumi", machine("runner-1", { 4242: "pulumi" }), "alive"],
    ["dead: same host, no such pid", machine("runner-1", {}), "dead"],
    [
      "dead: same host, the pid was reused by another program",
      machine("runner-1", { 4242: "bash" }),
      "dead",
    ],
    ["unknown: another host", machine("laptop", { 4242: "pulumi" }), "other-host"],
  ])("is %s", (_, m, state) => {
    expect(holderState(lock(), m)).toBe(state);
  });

  it("reads this machine's /proc: a running pid that is not pulumi (this test's node) is dead", () => {
    expect(holderState(lock({ pid: process.pid, hostname: hostname() }))).toBe("dead");
    expect(holderState(lock({ pid: 2 ** 22 + 1, hostname: hostname() }))).toBe("dead");
  });
});

describe("recovery decision", () => {
  const inspected = (holder: InspectedLock["holder"], pid = 4242): InspectedLock => ({
    ...lock({ pid }),
    holder,
  });

  it.each<[string, string, InspectedLock[], string]>([
    ["no lock", "none", [], "not locked"],
    [
      "a dead holder",
      "release",
      [inspected("dead")],
      "every holder is gone (pid 4242 of ci@runner-1",
    ],
    ["a live holder", "refuse", [inspected("alive")], "kill -INT 4242"],
    [
      "one dead and one live holder",
      "refuse",
      [inspected("dead", 1), inspected("alive", 2)],
      "is running",
    ],
    ["a holder on another host", "refuse", [inspected("other-host")], "run recover there"],
  ])("with %s: %s", (_, action, locks, reason) => {
    const d = recoveryDecision(locks);
    expect(d.action).toBe(action);
    expect(d.reason).toContain(reason);
  });

  it("tells of a dead holder with its pid, host, age and the recover command", () => {
    const text = formatLocked(
      "organization/steady-app/dev",
      [inspected("dead")],
      "steady-deploy recover --stack acme/shop/dev",
      new Date("2026-12-01T23:02:05Z"),
    );
    expect(text).toContain("the stack organization/steady-app/dev is locked by 1 lock(s):");
    expect(text).toContain("pid 4242 of ci@runner-1, taken 2 min 5 s ago, dead");
    expect(text).toContain("  steady-deploy recover --stack acme/shop/dev");
  });

  it("tells of a live holder without offering recover", () => {
    const text = formatLocked(
      "s",
      [inspected("alive")],
      "steady-deploy recover --stack acme/shop/dev",
    );
    expect(text).toContain("alive");
    expect(text).toContain("Another update of this stack is running");
    expect(text).not.toContain("steady-deploy recover");
  });

  it.each([
    [0, "0 s"],
    [59_400, "59 s"],
    [125_000, "2 min 5 s"],
    [7_500_000, "2 h 5 min"],
  ])("formats an age of %d ms as %s", (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
});
