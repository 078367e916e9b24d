import type { Stack, UpdateSummary } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { abortRun, resetRun } from "../src/interrupt";
import {
  RollbackFailed,
  type HistoryConfig,
  lastGoodIn,
  restoreConfig,
  upWithRollback,
} from "../src/rollback";

const update = (
  version: number,
  result: UpdateSummary["result"],
  config: HistoryConfig,
  kind: UpdateSummary["kind"] = "update",
): UpdateSummary =>
  ({
    version,
    kind,
    result,
    config,
    startTime: new Date(2026, 11, 1, 0, version),
    endTime: new Date(2026, 11, 1, 0, version, 30),
    message: "",
    environment: {},
  }) as UpdateSummary;

const HISTORY = [
  update(5, "failed", { "steady-app:version": { value: "v3", secret: false } }),
  update(4, "succeeded", {}, "refresh"),
  update(3, "succeeded", {
    "steady-app:version": { value: "v2", secret: false },
    "steady-app:kubeconfig": { secret: true },
  }),
  update(2, "succeeded", { "steady-app:version": { value: "v1", secret: false } }),
];

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "steady-rollback-"));
  process.env.STEADY_STATE_DIR = join(dir, "state");
});
afterEach(() => {
  resetRun();
  delete process.env.STEADY_STATE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

/** A stack whose config file lives in `dir`, whose ups fail as told, with the history above. */
function fakeStack(ups: ("ok" | "fail")[]) {
  const calls: string[] = [];
  const stack = {
    name: "organization/steady-app/dev",
    workspace: { workDir: dir },
    history: async (_size?: number, _page?: number, showSecrets?: boolean) => {
      calls.push(`history showSecrets=${showSecrets}`);
      return HISTORY;
    },
    up: async (opts: { plan?: string } = {}) => {
      calls.push(`up${opts.plan ? ` plan=${opts.plan}` : ""}`);
      if (ups.shift() === "fail") throw new Error("Deployment (hello) ProgressDeadlineExceeded");
      return { outputs: {}, summary: {} };
    },
    setConfig: async (key: string) => calls.push(`setConfig ${key}`),
  };
  return { stack: stack as unknown as Stack, calls };
}

const stackFile = () => join(dir, "Pulumi.dev.yaml");
const writeStackFile = (config: Record<string, unknown>) =>
  writeFileSync(stackFile(), yaml.dump({ encryptionsalt: "v1:salt", config }));
const readStackFile = () =>
  yaml.load(readFileSync(stackFile(), "utf8")) as {
    encryptionsalt: string;
    config: Record<string, unknown>;
  };

describe("the last good update", () => {
  it("is the newest successful update in the backend's history, not a refresh or a failure", () => {
    expect(lastGoodIn(HISTORY)).toEqual({
      version: 3,
      startTime: HISTORY[2]!.startTime,
      config: HISTORY[2]!.config,
    });
    // The file backend's history: every version 0, newest first.
    const unnumbered = HISTORY.map((u) => ({ ...u, version: 0 }));
    expect(lastGoodIn(unnumbered)?.config).toBe(HISTORY[2]!.config);
    expect(lastGoodIn(unnumbered)).not.toHaveProperty("version");
    expect(lastGoodIn([HISTORY[0]!, HISTORY[1]!])).toBeUndefined();
  });
});

describe("restoring the last good config", () => {
  it("writes plain values, drops other keys, and keeps the stack's ciphertext for each secret", async () => {
    writeStackFile({
      "steady-app:version": "v3",
      "steady-app:greeting": "new",
      "steady-app:kubeconfig": { secure: "v1:CIPHERTEXT" },
    });
    const { stack, calls } = fakeStack([]);
    await restoreConfig(stack, HISTORY[2]!.config);
    expect(readStackFile()).toEqual({
      encryptionsalt: "v1:salt",
      config: {
        "steady-app:version": "v2",
        "steady-app:kubeconfig": { secure: "v1:CIPHERTEXT" },
      },
    });
    expect(calls).toEqual([]);
  });

  it("refuses, naming the key, when a secret of the last good config is not on this stack", async () => {
    writeStackFile({ "steady-app:version": "v3" });
    const { stack } = fakeStack([]);
    await expect(restoreConfig(stack, HISTORY[2]!.config)).rejects.toThrow(
      "its secret(s) steady-app:kubeconfig are not set on this stack; set each with `pulumi config set --secret <key>`",
    );
    expect(readStackFile().config).toEqual({ "steady-app:version": "v3" });
  });
});

describe("up with rollback", () => {
  it("on failure, restores the history's last good config (read without secrets) and re-applies it the caller's way", async () => {
    writeStackFile({ "steady-app:version": "v3", "steady-app:kubeconfig": { secure: "v1:C" } });
    const { stack, calls } = fakeStack(["fail", "ok"]);
    const reapplied: string[] = [];
    const outcome = await upWithRollback(stack, {
      plan: "/plans/dev.json",
      reapply: async (s) => {
        reapplied.push(String(readStackFile().config["steady-app:version"]));
        return s.up({ plan: "/plans/rollback.json" });
      },
    });
    expect(outcome).toMatchObject({
      rolledBack: true,
      rolledBackTo: `update #3 started ${HISTORY[2]!.startTime.toISOString()}`,
    });
    expect(outcome.error?.message).toContain("ProgressDeadlineExceeded");
    expect(reapplied).toEqual(["v2"]);
    expect(calls).toEqual([
      "up plan=/plans/dev.json",
      "history showSecrets=false",
      "up plan=/plans/rollback.json",
    ]);
  });

  it("never rolls back an interrupted up", async () => {
    writeStackFile({ "steady-app:version": "v3" });
    const { stack, calls } = fakeStack(["fail"]);
    abortRun("SIGINT received", "SIGINT");
    await expect(upWithRollback(stack)).rejects.toThrow("ProgressDeadlineExceeded");
    expect(calls).toEqual(["up"]);
  });

  it("reports both errors when the rollback fails too", async () => {
    writeStackFile({ "steady-app:version": "v3", "steady-app:kubeconfig": { secure: "v1:C" } });
    const { stack } = fakeStack(["fail", "fail"]);
    const error = await upWithRollback(stack).catch((e: Error) => e);
    expect(error).toBeInstanceOf(RollbackFailed);
    expect((error as Error).message).toMatch(
      /and so did the rollback.*\n {2}rollback: .*\n {2}update: /,
    );
  });
});
