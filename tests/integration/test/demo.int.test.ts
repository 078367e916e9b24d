// The demo (`npm run demo`: the BUILT steady-repo-deploy demo) on the tier's cluster, which it
// reaches through KUBECONFIG as it would any cluster the user points it at: each of its ups is
// steady-deploy's guarded up, and a Ctrl-C during one ends it the way it ends `up` (130, the
// stack unlocked, the next plain run continues from there).
import { lockDir, readLocks } from "@steady/deploy";
import { pulumiEnv } from "@steady/deployer";
import { CliRun, waitFor } from "./harness";

const APP = "organization/steady-app/dev";
const appLocks = () => readLocks(lockDir(pulumiEnv().PULUMI_BACKEND_URL!, APP)!);
/** The demo's v1 up of the app has begun applying (its preview is done). */
const V1_UPDATING = /==> pulumi up: steady-app\/dev \(v1\)[\s\S]*\nUpdating \(dev\)/;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** Runs the demo to its end. */
async function demo() {
  const run = new CliRun(["demo"]);
  const exit = await run.exited;
  return { ...exit, s: seconds(Date.now() - run.startedAt) };
}

describe("npm run demo", () => {
  it("deploys the platform, app v1 and app v2 through steady-deploy's guarded up, and says where the app is", async () => {
    const r = await demo();
    process.stderr.write(`[demo] first run: exit ${r.code} in ${r.s} s\n`);
    expect(r.code).toBe(0);
    for (const step of [
      "steady-platform/dev",
      "steady-app/dev (v1)",
      "steady-app/dev rolls out v2",
    ]) {
      expect(r.out).toContain(`==> pulumi up: ${step}`);
    }
    // runDeploy's own lines: the tuning of each preview and up, and the rollout report.
    expect(r.out.match(/^steady-deploy: preview with /gm)).toHaveLength(3);
    expect(r.out.match(/^steady-deploy: up with /gm)).toHaveLength(3);
    expect(r.out).toMatch(/==> what happened\nRollout of deployment steady-dev\/hello-/);
    expect(r.out).toMatch(
      / {2}url: {15}http:\/\/hello-svc-[0-9a-f]+\.steady-dev\.svc\.cluster\.local:80/,
    );
    expect(r.out).toContain("fewest ready pods: 1 (desired 1)");
  });

  it("interrupted with Ctrl-C during an up, ends with 130 and the stack unlocked, and the next plain run continues", async () => {
    // The app runs v2 now: the demo's v1 up is a real rollout, long enough to interrupt.
    const run = new CliRun(["demo"]);
    let ended = false;
    void run.exited.then(() => (ended = true));
    await waitFor("the demo's v1 up to be applying", async () => V1_UPDATING.test(run.out), {
      timeoutMs: 300_000,
      intervalMs: 100,
      abortIf: () => (ended ? `the demo ended first:\n${run.out}` : undefined),
    });
    run.signal("SIGINT");
    const stopped = await run.exited;
    process.stderr.write(
      `[demo] interrupted: exit ${stopped.code} ${seconds(Date.now() - run.startedAt)} s after the start\n`,
    );
    expect(stopped.code).toBe(130);
    expect(stopped.out).toContain(
      "steady-deploy: SIGINT received; the Pulumi operation was cancelled",
    );
    expect(stopped.out).toContain(
      `${APP}: cancelled; the stack is unlocked and the next up continues from here`,
    );
    expect(stopped.out).not.toContain("==> pulumi up: steady-app/dev rolls out v2");
    expect(appLocks()).toEqual([]);

    const next = await demo();
    process.stderr.write(`[demo] next plain run: exit ${next.code} in ${next.s} s\n`);
    expect(next.code).toBe(0);
    // runDeploy's pre-flight saw the cancelled update and refreshed the state before the up.
    expect(next.out).toMatch(
      new RegExp(
        `the state of ${APP} may not match the cluster: its last update .* failed or was cancelled`,
      ),
    );
    expect(next.out).toContain("==> what happened");
  });
});
