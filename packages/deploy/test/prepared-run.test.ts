import type { Stack } from "@pulumi/pulumi/automation";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigTooLarge, MAX_CONFIG_JSON_BYTES } from "../src/config-size";
import { StackLocked } from "../src/locks";
import {
  hardStopLines,
  openRunTarget,
  prepareRun,
  setHardStopHint,
  type RunTarget,
} from "../src/prepared-run";

const STACK = "organization/steady-app/drill";
const RECOVER = "steady-deploy recover --cwd /repo --stack drill";
let backend: string;
let lines: string[];
const saved = { ...process.env };

beforeEach(() => {
  backend = mkdtempSync(join(tmpdir(), "steady-prepared-"));
  lines = [];
  jest.spyOn(console, "log").mockImplementation((m: string) => void lines.push(m));
  for (const k of ["PULUMI_PARALLEL", "PULUMI_K8S_CLIENT_QPS", "PULUMI_K8S_CLIENT_BURST"])
    delete process.env[k];
});
afterEach(() => {
  jest.restoreAllMocks();
  process.env = { ...saved };
  setHardStopHint(() => []);
  rmSync(backend, { recursive: true, force: true });
});

/** A lock left by a pid that no longer runs (pid 2^22 - 1 is above Linux's default pid_max). */
const writeDeadLock = () => {
  const dir = join(backend, ".pulumi", "locks", ...STACK.split("/"));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, "a.json"),
    JSON.stringify({
      pid: 4194303,
      username: "ci",
      hostname: hostname(),
      timestamp: new Date().toISOString(),
    }),
  );
};

/** A stack whose last update `last` ended so; records what the run asked of it. */
function fakeTarget(last: "succeeded" | "failed", config: Record<string, string> = {}) {
  const calls: string[] = [];
  const envVars: Record<string, string> = {};
  const resources = Array.from({ length: 3 }, () => ({ type: "x" }));
  const stack = {
    name: STACK,
    workspace: { envVars },
    getAllConfig: async () => {
      calls.push("getAllConfig");
      return Object.fromEntries(Object.entries(config).map(([k, value]) => [k, { value }]));
    },
    history: async () => {
      calls.push("history");
      return [{ kind: "update", result: last, startTime: "2026-12-02T06:00:00.000Z" }];
    },
    refresh: async () => {
      calls.push("refresh");
      return { summary: { resourceChanges: { same: 3 } } };
    },
    exportStack: async () => {
      calls.push("exportStack");
      return { deployment: { resources } };
    },
  };
  const target: RunTarget = {
    stack: stack as unknown as Stack,
    backendUrl: `file://${backend}`,
    recover: RECOVER,
    stateDir: join(backend, "state"),
    state: { deployment: { resources: [] } },
  };
  return { target, calls, envVars };
}

const quiet = () => undefined;

describe("prepareRun", () => {
  it("refreshes a stack whose last update failed, then sizes and applies the tuning", async () => {
    const { target, calls, envVars } = fakeTarget("failed");
    const run = await prepareRun(target, { command: "up", onOutput: quiet, parallel: 7 });
    expect(calls).toEqual(["history", "getAllConfig", "refresh", "exportStack"]);
    expect(run.state).toEqual({
      deployment: { resources: [{ type: "x" }, { type: "x" }, { type: "x" }] },
    });
    expect(run.tuning.parallel).toBe(7);
    expect(envVars).toMatchObject({
      PULUMI_K8S_CLIENT_QPS: "500",
      PULUMI_K8S_CLIENT_BURST: "1000",
      NODE_COMPILE_CACHE: join(backend, "state", "node-compile-cache"),
    });
    expect(lines).toEqual([
      "steady-deploy: preview with parallel 7 (--parallel); provider client QPS 500, burst 1000 (steady-deploy's defaults)",
    ]);
    expect(run.upParallel({ same: 3, update: 1 })).toBe(7);
    expect(lines[1]).toMatch(/^steady-deploy: up with parallel 7 /);
  });

  it("reuses the opener's state when nothing was refreshed", async () => {
    const { target, calls } = fakeTarget("succeeded");
    const run = await prepareRun(target, { command: "up", onOutput: quiet });
    expect(calls).not.toContain("exportStack");
    expect(calls).not.toContain("refresh");
    expect(run.state).toBe(target.state);
    expect(run.refresh).toBe(false);
  });

  it("asks a preview to refresh in memory instead of refreshing the saved state", async () => {
    const { target, calls } = fakeTarget("failed");
    const out: string[] = [];
    const run = await prepareRun(target, { command: "preview", onOutput: (s) => out.push(s) });
    expect(run.refresh).toBe(true);
    expect(calls).not.toContain("refresh");
    expect(out.join("")).toContain("previewing with a refresh");
  });

  it("refuses a locked stack before any refresh, naming the command that recovers it", async () => {
    writeDeadLock();
    const { target, calls } = fakeTarget("failed");
    const error = await prepareRun(target, { command: "up", onOutput: quiet }).catch((e) => e);
    expect(error).toBeInstanceOf(StackLocked);
    expect((error as Error).message).toContain(`\n  ${RECOVER}`);
    expect(calls).not.toContain("refresh");
    expect(lines).toEqual([]);
  });

  it("stops at a config value too large for the program's environment", async () => {
    const { target, calls } = fakeTarget("succeeded", {
      "app:blob": "x".repeat(MAX_CONFIG_JSON_BYTES + 1),
    });
    await expect(prepareRun(target, { command: "up", onOutput: quiet })).rejects.toBeInstanceOf(
      ConfigTooLarge,
    );
    expect(calls).not.toContain("refresh");
  });
});

describe("PreparedRun.upWithReports", () => {
  it("runs the up and says why no rollout report was written without a kubeconfig", async () => {
    const { target } = fakeTarget("succeeded");
    const run = await prepareRun(target, { command: "up", onOutput: quiet });
    const up = jest.fn(async () => undefined);
    await run.upWithReports(up);
    expect(up).toHaveBeenCalledTimes(1);
    expect(lines.at(-1)).toContain("no kubeconfig found (--kubeconfig, KUBECONFIG)");
    expect(run.rollouts).toEqual([]);
  });

  it("passes the up's failure on", async () => {
    const { target } = fakeTarget("succeeded");
    const run = await prepareRun(target, { command: "up", onOutput: quiet });
    await expect(run.upWithReports(() => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
  });
});

describe("openRunTarget", () => {
  it("points the hard-stop hint at the opened stack and its recover command", async () => {
    writeDeadLock();
    const { target } = fakeTarget("succeeded");
    expect(await openRunTarget(async () => target)).toBe(target);
    expect(hardStopLines()).toEqual([
      `${STACK} is still locked (1 lock(s)), and the update may have left pending operations`,
      `  recover with: ${RECOVER}`,
    ]);
  });
});
