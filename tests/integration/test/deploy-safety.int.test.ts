// Drills for the deploy CLI itself: the BUILT repo deploy tool (tools/deployer/dist/cli.js, on @steady/deploy) runs
// as a child process in its own process group, and is interrupted, killed, raced and failed the
// way a terminal or a CI runner does it. Each drill records how long the CLI took to exit, the
// lock state after it, and how long the next plain `up` took to converge; the numbers are
// written to <state dir>/deploy-safety-drills.json and printed.
import { lockDir, readLocks, type KubeClient } from "@steady/deploy";
import { pulumiEnv, toolchainDir } from "@steady/deployer";
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { itDir } from "./env";
import { CliRun, client, kubeconfig, list, stackOf, up, waitFor, type Exit } from "./harness";

const NS = "steady-drills";
const PLATFORM = "organization/steady-platform/drills";
/** The config every run of the drill stacks repeats (the CLI lays config out anew each run). */
const BASE = [`platformStack=${PLATFORM}`, "image=steady/hello:1.0.0"];
const GOOD = [...BASE, "version=v1"];
/** A version whose pods can never be scheduled: the rollout hangs until its deadline. */
const stuck = (version: string, deadline = 600) => [
  ...BASE,
  `version=${version}`,
  "nodeSelector=steady.dev/drill=nowhere",
  `progressDeadlineSeconds=${deadline}`,
];

const deploy = (project: "app", stack: string, config: string[], extra: string[] = []) => [
  "up",
  "--project",
  project,
  "--env",
  "dev",
  "--stack",
  stack,
  ...config.flatMap((c) => ["--config", c]),
  ...extra,
];

/** Runs the CLI to its end; returns the exit and its duration. */
async function runCli(args: string[], env: Record<string, string> = {}) {
  const run = new CliRun(args, env);
  const exit = await run.exited;
  return { ...exit, ms: Date.now() - run.startedAt };
}

const locksOf = (stack: string) =>
  readLocks(lockDir(pulumiEnv().PULUMI_BACKEND_URL!, `organization/steady-app/${stack}`)!);

let kube: KubeClient;
const results: Record<string, Record<string, unknown>> = {};
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** The drill stack's Deployment. */
async function deployment(ns = NS) {
  const [d, ...more] = await list(kube, "apis/apps/v1", ns, "deployments");
  expect(more).toEqual([]);
  return d!;
}
const versionOf = (d: Awaited<ReturnType<typeof deployment>>) =>
  d.spec.template.metadata.labels["app.kubernetes.io/version"] as string;

/** Desired replicas of the drill app (dev): the floor ready pods may never go below. */
const DESIRED = 1;

/**
 * Samples the ready pods of the drill namespace every 200 ms while `body` runs (the interrupted
 * up, the recovery and the next up), then records the fewest seen under `results[key]` and holds
 * it to the desired count: an interrupted or killed deploy must not cost capacity either. A pod
 * being deleted counts as not ready, which can only lower the figure.
 */
async function withReadyFloor(key: string, body: () => Promise<void>): Promise<void> {
  let fewest = Number.POSITIVE_INFINITY;
  let samples = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      try {
        const pods = await list(kube, "api/v1", NS, "pods");
        const ready = pods.filter(
          (p) =>
            !p.metadata.deletionTimestamp &&
            (p.status?.conditions ?? []).some(
              (c: { type: string; status: string }) => c.type === "Ready" && c.status === "True",
            ),
        ).length;
        fewest = Math.min(fewest, ready);
        samples++;
      } catch {
        // a failed read is no sample
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();
  try {
    await body();
  } finally {
    running = false;
    await sampler;
  }
  results[key] = {
    ...results[key],
    fewestReadyPods: fewest,
    desired: DESIRED,
    readySamples: samples,
  };
  expect(samples).toBeGreaterThan(0);
  expect(fewest).toBeGreaterThanOrEqual(DESIRED);
}

/** Starts an up of a version that never becomes ready and waits until its rollout is under way. */
async function stuckUp(stack: string, version: string): Promise<CliRun> {
  const run = new CliRun(deploy("app", stack, stuck(version)));
  let ended: Exit | undefined;
  void run.exited.then((e) => (ended = e));
  await waitFor(
    `the rollout of ${version} under way with the stack locked`,
    async () => {
      if (ended) return true;
      const sets = await list(
        kube,
        "apis/apps/v1",
        NS,
        "replicasets",
        `app.kubernetes.io/version=${version}`,
      );
      return sets.length > 0 && locksOf(stack).length > 0;
    },
    { timeoutMs: 180_000, intervalMs: 250 },
  );
  if (ended) throw new Error(`the up of ${version} ended early (${ended.code}):\n${ended.out}`);
  return run;
}

/**
 * The next plain up with the good config: must converge with no manual step. After a cancelled
 * up it must first refresh (the cluster runs the cancelled version, the state does not know).
 */
async function convergeAgain(stack: string, afterCancel = false): Promise<number> {
  const next = await runCli(deploy("app", stack, GOOD));
  expect({ code: next.code, out: next.code === 0 ? "" : next.out }).toEqual({ code: 0, out: "" });
  if (afterCancel) expect(next.out).toContain("refreshing it from the cluster first");
  const d = await deployment();
  expect(versionOf(d)).toBe("v1");
  expect(d.status.availableReplicas).toBe(1);
  return next.ms;
}

beforeAll(async () => {
  kube = client();
  await up(
    await stackOf("platform", "dev", "drills", {
      namespace: NS,
      environment: "drills",
      simulatedNodes: 1,
    }),
  );
  const first = await runCli(deploy("app", "drills", GOOD));
  expect({ code: first.code, out: first.code === 0 ? "" : first.out }).toEqual({
    code: 0,
    out: "",
  });
});

afterAll(() => {
  const file = join(itDir(), "deploy-safety-drills.json");
  writeFileSync(file, JSON.stringify(results, null, 2) + "\n");
  console.log(`deploy-safety drills (${file}):\n${JSON.stringify(results, null, 2)}`);
  kube?.close();
});

describe("steady-deploy interrupted mid-rollout", () => {
  it("refuses a second up of the stack at once, naming the live holder, and recover leaves that lock alone", () =>
    withReadyFloor("concurrent", async () => {
      const holder = await stuckUp("drills", "v2-race");
      try {
        const second = await runCli(deploy("app", "drills", GOOD));
        expect(second.code).toBe(5);
        const [lock] = locksOf("drills");
        expect(second.out).toContain(`pid ${lock!.pid} of`);
        expect(second.out).toMatch(/, alive \(/);
        expect(second.out).toContain("Another update of this stack is running");
        const recover = await runCli(["recover", "--project", "app", "--stack", "drills"]);
        expect(recover.code).toBe(5);
        expect(recover.out).toContain(`refused: the lock's holder is running (pid ${lock!.pid}`);
        expect(locksOf("drills")).toHaveLength(1);
        results.concurrent = {
          secondUpExitCode: second.code,
          secondUpSeconds: seconds(second.ms),
          recoverExitCode: recover.code,
          recoverSeconds: seconds(recover.ms),
          lockAfter: "held by the running up",
        };
      } finally {
        holder.signal("SIGINT");
        await holder.exited;
      }
    }));

  it.each([
    ["SIGINT", 130, "its process group", false],
    ["SIGTERM", 143, "its pid alone", true],
  ] as const)(
    "on %s cancels gracefully: exit %d, the stack unlocked, and the next up converges (signal to %s)",
    (signal, code, _, onlyTheCli) =>
      withReadyFloor(signal, async () => {
        const run = await stuckUp("drills", `v2-${signal.toLowerCase()}`);
        const sentAt = Date.now();
        run.signal(signal, onlyTheCli);
        const exit = await run.exited;
        const exitMs = Date.now() - sentAt;
        expect({ code: exit.code, signal: exit.signal }).toEqual({ code, signal: null });
        expect(exit.out).toContain("the stack is unlocked and the next up continues from here");
        expect(exitMs).toBeLessThan(30_000);
        const locks = locksOf("drills").length;
        results[signal] = {
          sentTo: onlyTheCli ? "the CLI's pid" : "the CLI's process group",
          exitCode: exit.code,
          secondsToExit: seconds(exitMs),
          locksAfter: locks,
        };
        expect(locks).toBe(0);
        const convergeMs = await convergeAgain("drills", true);
        results[signal] = {
          ...results[signal],
          nextUpExitCode: 0,
          nextUpSecondsToConverge: seconds(convergeMs),
        };
      }),
  );

  it("ends at once on a second signal during the cancel (SIGINT, then SIGTERM), printing the state and the recover command", () =>
    withReadyFloor("secondSignal", async () => {
      const run = await stuckUp("drills", "v2-twice");
      const sentAt = Date.now();
      // Back to back: the graceful cancel takes well under a second here, so a second signal that
      // waits would find the CLI gone.
      run.signal("SIGINT");
      run.signal("SIGTERM");
      const exit = await run.exited;
      const exitMs = Date.now() - sentAt;
      // Two signals sent back to back may reach the CLI in either order (the kernel hands each
      // to whichever of Node's threads runs; seen in CI: SIGTERM first, exit 143). Whichever came
      // first names the exit code, the other one is the second signal that ends the run hard.
      const first = exit.code === 143 ? "SIGTERM" : "SIGINT";
      const second = first === "SIGINT" ? "SIGTERM" : "SIGINT";
      expect({ code: exit.code, signal: exit.signal }).toEqual({
        code: first === "SIGINT" ? 130 : 143,
        signal: null,
      });
      expect(exit.out).toContain(`steady-deploy: ${first} received; cancelling`);
      expect(exit.out).toContain(`${second} received again; ending the run now`);
      expect(exit.out).toMatch(/organization\/steady-app\/drills is (still locked|unlocked, but)/);
      expect(exit.out).toContain(
        "recover with: steady-repo-deploy recover --project app --env dev --stack drills",
      );
      const locks = locksOf("drills").length;
      results.secondSignal = {
        firstSignalHandled: first,
        exitCode: exit.code,
        secondsToExit: seconds(exitMs),
        locksAfter: locks,
      };
      // What the message says to run brings the stack back, locked or not.
      const recover = await runCli(["recover", "--project", "app", "--stack", "drills"]);
      expect({ code: recover.code, out: recover.code === 0 ? "" : recover.out }).toEqual({
        code: 0,
        out: "",
      });
      const convergeMs = await convergeAgain("drills");
      results.secondSignal = {
        ...results.secondSignal,
        recoverExitCode: recover.code,
        recoverSeconds: seconds(recover.ms),
        nextUpSecondsToConverge: seconds(convergeMs),
      };
    }));

  it("killed with SIGKILL leaves the lock, and the next up names the dead holder and the recover command that clears it", () =>
    withReadyFloor("SIGKILL", async () => {
      const run = await stuckUp("drills", "v2-kill");
      // The killed pulumi's plugins (language host, provider) are orphaned; whether they exit on
      // their own is the plugins' business (recorded, then ended, so the drill leaves nothing).
      const plugins = childrenOf(locksOf("drills")[0]!.pid);
      const sentAt = Date.now();
      run.signal("SIGKILL");
      const exit = await run.exited;
      const exitMs = Date.now() - sentAt;
      expect(exit.signal).toBe("SIGKILL");
      // The pulumi process dies with the deployer (parent-death signal), and the lock stays.
      await waitFor(
        "the killed deployer's pulumi to be gone",
        async () => locksOf("drills").every((l) => !existsSync(`/proc/${l.pid}`)),
        { timeoutMs: 10_000 },
      );
      const [lock, ...others] = locksOf("drills");
      expect(others).toEqual([]);
      const next = await runCli(deploy("app", "drills", GOOD));
      expect(next.code).toBe(5);
      expect(next.out).toMatch(
        new RegExp(`pid ${lock!.pid} of \\S+@\\S+, taken \\d+ (s|min \\d+ s) ago, dead`),
      );
      expect(next.out).toContain(
        "steady-repo-deploy recover --project app --env dev --stack drills",
      );
      const recover = await runCli(["recover", "--project", "app", "--stack", "drills"]);
      expect({ code: recover.code, out: recover.code === 0 ? "" : recover.out }).toEqual({
        code: 0,
        out: "",
      });
      expect(recover.out).toContain("released 1 lock(s): every holder is gone");
      expect(recover.out).toContain("refreshed the state from the cluster");
      expect(locksOf("drills")).toEqual([]);
      const convergeMs = await convergeAgain("drills");
      results.SIGKILL = {
        exitSignal: exit.signal,
        secondsToExit: seconds(exitMs),
        locksAfter: 1,
        nextUpExitCode: next.code,
        nextUpSecondsToFail: seconds(next.ms),
        recoverExitCode: recover.code,
        recoverSeconds: seconds(recover.ms),
        pendingFound: /pending operations found: (.*)/.exec(recover.out)?.[1] ?? "none",
        upAfterRecoverSecondsToConverge: seconds(convergeMs),
        pluginsOfKilledPulumi: plugins.length,
        pluginsStillRunningAfterDrill: endAll(plugins),
      };
    }));
});

describe("steady-deploy config checks", () => {
  it("names a config value too large for the program's environment, with the limit, and applies nothing", async () => {
    const before = await deployment();
    const workDir = join(itDir(), "work", "steady-app.drills");
    // Only stdin can carry such a value: as an argument it would itself pass the limit.
    setSecret(workDir, "drills", "kubeconfig", "k".repeat(140_000));
    try {
      const run = await runCli(deploy("app", "drills", GOOD));
      expect(run.code).toBe(2);
      expect(run.out).toContain("the limit is 131057 bytes");
      expect(run.out).toMatch(/- steady-app:kubeconfig: 1400\d\d bytes/);
      expect(run.out).not.toContain("argument list too long");
      const after = await deployment();
      // Not even touched: the same object version as before.
      expect(after.metadata).toEqual(before.metadata);
      results.configTooLarge = { exitCode: run.code, seconds: seconds(run.ms) };
    } finally {
      pulumi(workDir, ["config", "rm", "kubeconfig", "--stack", "organization/steady-app/drills"]);
    }
  });
});

/** The pids of a process's children (from /proc), empty when it is gone. */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((t) =>
      readFileSync(`/proc/${pid}/task/${t}/children`, "utf8")
        .split(" ")
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}

/** SIGKILLs those of `pids` still running; returns how many were. */
function endAll(pids: number[]): number {
  const running = pids.filter((p) => existsSync(`/proc/${p}`));
  for (const p of running) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  return running.length;
}

/** The toolchain's pulumi in a stack's work directory, with the deployer's environment. */
function pulumi(workDir: string, args: string[], input?: string) {
  const r = spawnSync(join(toolchainDir(), "bin", "pulumi"), [...args, "--non-interactive"], {
    cwd: workDir,
    env: { ...process.env, ...pulumiEnv({ kubeconfig: kubeconfig() }) },
    ...(input !== undefined ? { input } : {}),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.stderr}`);
  return r.stdout;
}

/** `pulumi config set --secret KEY` with the value on stdin, never on a command line. */
function setSecret(workDir: string, stack: string, key: string, value: string) {
  pulumi(
    workDir,
    ["config", "set", "--secret", key, "--stack", `organization/steady-app/${stack}`],
    value,
  );
}

/** Files under `dir` (recursively) that contain `needle`; `since` skips older files. */
function filesContaining(dir: string, needle: string, since = 0): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        try {
          const st = statSync(p);
          if (st.mtimeMs < since || st.size > 64 * 1024 * 1024) continue;
          if (readFileSync(p).includes(needle)) found.push(p);
        } catch {
          // vanished or unreadable: not ours
        }
      }
    }
  };
  walk(dir);
  return found;
}

describe("steady-deploy --rollback-on-failure", () => {
  it("rolls back a failed rollout through the guard from a fresh machine, and no secret reaches the disk in plain text", async () => {
    const started = Date.now();
    const stack = "drills-rb";
    const ns = "steady-drills-rb";
    await kube
      .request("POST", "/api/v1/namespaces", { metadata: { name: ns } })
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode !== 409) throw e;
      });
    const cfg = (c: string[]) => [...c, `namespace=${ns}`];
    // This machine: the stack is created (a preview lays out its work directory), a secret is
    // set on it, and a good version deploys.
    const preview = await runCli(["preview", ...deploy("app", stack, cfg(GOOD)).slice(1)]);
    expect({ code: preview.code, out: preview.code === 0 ? "" : preview.out }).toEqual({
      code: 0,
      out: "",
    });
    const marker = `drill-secret-${process.pid}-${Date.now()}`;
    const workDir = join(itDir(), "work", `steady-app.${stack}`);
    setSecret(workDir, stack, "kubeconfig", `${readFileSync(kubeconfig(), "utf8")}\n# ${marker}\n`);
    const good = await runCli(deploy("app", stack, cfg(GOOD)));
    expect({ code: good.code, out: good.code === 0 ? "" : good.out }).toEqual({ code: 0, out: "" });

    // A fresh machine: nothing of this state dir but the backend, and the stack file a checkout
    // of a real project carries (its salt and `secure:` values; the CLI lays out the plain keys
    // anew from the committed Pulumi.dev.yaml and --config on every run).
    const fresh = join(itDir(), "fresh-machine");
    rmSync(fresh, { recursive: true, force: true });
    const freshWork = join(fresh, "work", `steady-app.${stack}`);
    mkdirSync(freshWork, { recursive: true });
    copyFileSync(join(workDir, `Pulumi.${stack}.yaml`), join(freshWork, `Pulumi.${stack}.yaml`));
    const freshEnv = {
      STEADY_STATE_DIR: fresh,
      PULUMI_BACKEND_URL: pulumiEnv().PULUMI_BACKEND_URL!,
    };
    const bad = await runCli(
      deploy("app", stack, cfg(stuck("v2-bad", 10)), ["--rollback-on-failure"]),
      freshEnv,
    );
    expect({ code: bad.code, out: bad.code === 4 ? "" : bad.out }).toEqual({ code: 4, out: "" });
    expect(bad.out).toMatch(
      /rolling back to the last good config \((update #\d+|the update) started [\d-]+T[\d:.]+Z\)/,
    );
    expect(bad.out).toContain("rollback: guarded preview of the last good config");
    expect(bad.out).toContain("rollback: applying the reviewed plan");
    expect(bad.out).toMatch(
      /was rolled back to the last good config \((update #\d+|the update) started/,
    );
    const d = await deployment(ns);
    expect(versionOf(d)).toBe("v1");
    expect(d.spec.template.spec.nodeSelector ?? {}).not.toHaveProperty("steady.dev/drill");
    expect(d.status.availableReplicas).toBe(1);
    expect(existsSync(join(fresh, "last-good"))).toBe(false);
    expect(existsSync(join(itDir(), "last-good"))).toBe(false);

    // The secret's plain text is nowhere on disk: not in either machine's state dir (backend,
    // plans, reports, work dirs, the cluster's data), not in temp files made during the drill.
    expect(filesContaining(itDir(), marker)).toEqual([]);
    expect(filesContaining(tmpdir(), marker, started - 1000)).toEqual([]);
    results.rollbackOnFailure = {
      goodUpSeconds: seconds(good.ms),
      failedUpExitCode: bad.code,
      failAndRollbackSeconds: seconds(bad.ms),
      fromFreshMachine: true,
      versionAfter: versionOf(d),
      plaintextSecretFilesFound: 0,
    };
  });
});
