import type { Stack } from "@pulumi/pulumi/automation";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import type { Machine } from "../src/locks";
import {
  assertUnlocked,
  formatRecoverReport,
  pendingOperations,
  recoverStack,
  refreshIfStale,
} from "../src/recover";

const STACK = "organization/steady-app/drill";
let backend: string;
let locks: string;
const saved = { ...process.env };

beforeEach(() => {
  backend = mkdtempSync(join(tmpdir(), "steady-backend-"));
  locks = join(backend, ".pulumi", "locks", "organization", "steady-app", "drill");
  mkdirSync(locks, { recursive: true });
  process.env.PULUMI_BACKEND_URL = `file://${backend}`;
});
afterEach(() => {
  process.env = { ...saved };
  rmSync(backend, { recursive: true, force: true });
});

const writeLock = (pid: number, host = hostname()) =>
  writeFileSync(
    join(locks, `${pid}.json`),
    JSON.stringify({ pid, username: "ci", hostname: host, timestamp: new Date().toISOString() }),
  );

const machine = (running: Record<number, string>): Machine => ({
  hostname: hostname(),
  processName: (pid) => running[pid],
});

function fakeStack() {
  const calls: string[] = [];
  const stack = {
    name: STACK,
    cancel: async () => {
      calls.push("cancel");
      rmSync(locks, { recursive: true, force: true });
    },
    exportStack: async () => ({
      deployment: {
        pending_operations: [
          {
            type: "updating",
            resource: { urn: "urn:pulumi:drill::steady-app::Deployment::hello" },
          },
        ],
      },
    }),
    refresh: async (opts: { clearPendingCreates?: boolean }) => {
      calls.push(`refresh clearPendingCreates=${opts.clearPendingCreates}`);
      return { summary: { resourceChanges: { same: 7, update: 1 } } };
    },
  };
  return { stack: stack as unknown as Stack, calls };
}

describe("steady-deploy recover", () => {
  it("releases a lock whose holder is gone, then refreshes with pending creates cleared", async () => {
    writeLock(4242);
    const { stack, calls } = fakeStack();
    const report = await recoverStack(stack, { machine: machine({}) });
    expect(calls).toEqual(["cancel", "refresh clearPendingCreates=true"]);
    expect(report).toMatchObject({ released: true, refreshed: true });
    const text = formatRecoverReport(STACK, report).join("\n");
    expect(text).toContain("released 1 lock(s): every holder is gone (pid 4242 of ci@");
    expect(text).toContain(
      "pending operations found: updating urn:pulumi:drill::steady-app::Deployment::hello",
    );
    expect(text).toContain("refreshed the state from the cluster (same 7, update 1)");
  });

  it.each([
    ["whose holder runs", () => writeLock(4242), { 4242: "pulumi" }, "kill -INT 4242"],
    ["taken on another host", () => writeLock(4242, "elsewhere"), {}, "run recover there"],
  ])("never touches a lock %s", async (_, setup, running, hint) => {
    setup();
    const { stack, calls } = fakeStack();
    const report = await recoverStack(stack, { machine: machine(running) });
    expect(calls).toEqual([]);
    expect(report.decision.action).toBe("refuse");
    expect(formatRecoverReport(STACK, report).join("\n")).toContain(hint);
  });

  it("refuses on a backend whose locks it cannot read", async () => {
    process.env.PULUMI_BACKEND_URL = "s3://bucket";
    const { stack, calls } = fakeStack();
    const report = await recoverStack(stack);
    expect(calls).toEqual([]);
    expect(report.decision.reason).toContain("not a file:// backend");
  });

  it("without a lock, still resolves pending operations", async () => {
    const { stack, calls } = fakeStack();
    const report = await recoverStack(stack, { machine: machine({}) });
    expect(calls).toEqual(["refresh clearPendingCreates=true"]);
    expect(formatRecoverReport(STACK, report).join("\n")).toContain("no lock to release");
  });
});

describe("the pre-flight lock check of up", () => {
  it("fails at once naming the holder and the recover command", () => {
    writeLock(2 ** 22 + 7);
    expect(() =>
      assertUnlocked(STACK, `file://${backend}`, "steady-deploy recover --stack drill"),
    ).toThrow(
      /locked by 1 lock\(s\):\n {2}- pid 4194311 of ci@.*, dead .*\n.*\n {2}steady-deploy recover --stack drill/,
    );
  });

  it("passes an unlocked stack", () => {
    expect(() => assertUnlocked(STACK, `file://${backend}`, "x")).not.toThrow();
  });
});

describe("pending operations", () => {
  it("are read from an exported state, and none from a clean one", () => {
    expect(pendingOperations({ deployment: {} })).toEqual([]);
  });
});

describe("an up after a cancelled or failed one", () => {
  const historyOf = (result: string) => {
    const calls: string[] = [];
    const stack = {
      name: STACK,
      history: async (size: number, page: number, showSecrets: boolean) => {
        calls.push(`history ${size} ${page} ${showSecrets}`);
        return [{ kind: "update", result, startTime: new Date("2026-12-01T23:40:00Z") }];
      },
      refresh: async () => calls.push("refresh"),
    };
    return { stack: stack as unknown as Stack, calls };
  };

  it("refreshes the state from the cluster first, saying why", async () => {
    const { stack, calls } = historyOf("failed");
    let out = "";
    expect(await refreshIfStale(stack, (s) => (out += s))).toBe(true);
    expect(calls).toEqual(["history 1 1 false", "refresh"]);
    expect(out).toContain(
      "its last update (started 2026-12-01T23:40:00.000Z) failed or was cancelled; refreshing it from the cluster first",
    );
  });

  it("does not refresh after a success", async () => {
    const { stack, calls } = historyOf("succeeded");
    expect(await refreshIfStale(stack)).toBe(false);
    expect(calls).toEqual(["history 1 1 false"]);
  });
});
