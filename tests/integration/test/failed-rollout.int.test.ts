import type { Stack } from "@pulumi/pulumi/automation";
import { RolloutWatcher, replaceConfig, upWithRollback, KubeClient } from "@steady/deploy";
import { client, fixtureStack, list, stackOf, up } from "./harness";

const NS = "steady-failed";
const DEADLINE = 15;
const SELECTOR = { "app.kubernetes.io/name": "stuck", "app.kubernetes.io/instance": "stuck" };
let stack: Stack;
let kube: KubeClient;

beforeAll(async () => {
  kube = client();
  await up(
    await stackOf("platform", "staging", "failed", {
      namespace: NS,
      environment: "failed",
      simulatedNodes: 3,
    }),
  );
  stack = await fixtureStack("failing-rollout", "failed");
  // Exactly this config: a stack file left by an earlier run must not leak keys in.
  await replaceConfig(stack, {
    "steady-fixture-failing-rollout:namespace": { value: NS },
    "steady-fixture-failing-rollout:version": { value: "1.0.0" },
    "steady-fixture-failing-rollout:progressDeadlineSeconds": { value: String(DEADLINE) },
  });
  await stack.up();
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
  kube?.close();
});

describe("a rollout whose new pods never become ready", () => {
  it("fails pulumi up within the progress-deadline bound, keeps the old pods serving, and rolls back", async () => {
    const lastGood = await stack.getAllConfig();
    const watcher = new RolloutWatcher(kube, NS, SELECTOR);
    await watcher.start();
    await stack.setAllConfig({ version: { value: "2.0.0" }, neverReady: { value: "true" } });
    let log = "";
    const outcome = await upWithRollback(stack, { lastGood, onOutput: (s) => (log += s) });
    const report = await watcher.stop(String((await stack.outputs()).deploymentName!.value), 2);

    expect(outcome.rolledBack).toBe(true);
    // The failure names the Deployment and why it failed.
    const failure = `${outcome.error?.message ?? ""}\n${log}`;
    expect(failure).toMatch(/kubernetes:apps\/v1:Deployment \(stuck\)/);
    expect(failure).toMatch(
      /ProgressDeadlineExceeded|timed out waiting|Minimum number of live Pods was not attained/,
    );
    // Bounded by the deadline plus the component's 30 s margin (plus start-up slack), not the provider's 10 minutes.
    expect(outcome.failedAfterMs).toBeLessThan((DEADLINE + 30 + 30) * 1000);
    console.log(
      `failed rollout detected after ${((outcome.failedAfterMs ?? 0) / 1000).toFixed(1)} s (deadline ${DEADLINE} s)`,
    );
    // The old version kept serving with full capacity the whole time.
    expect(report.minReady).toBeGreaterThanOrEqual(2);

    // After the rollback the Deployment is back on 1.0.0, fully available, and the state matches.
    const [d] = await list(kube, "apis/apps/v1", NS, "deployments");
    expect(d!.spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("1.0.0");
    expect(d!.spec.template.metadata.labels).not.toHaveProperty("steady.dev/simulate");
    expect(d!.status.availableReplicas).toBe(2);
    await expect(stack.preview({ expectNoChanges: true })).resolves.toBeDefined();
  });
});
