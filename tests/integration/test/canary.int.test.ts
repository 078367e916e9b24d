import type { Stack } from "@pulumi/pulumi/automation";
import type { KubeClient } from "@steady/deploy";
import { defaultCanaryPlan, runCanaryCli, stackCanaryOps } from "@steady/deploy";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { itDir } from "./env";
import {
  APP_SELECTOR,
  client,
  kubeconfig,
  list,
  previewOps,
  stackOf,
  up,
  waitFor,
  type Obj,
} from "./harness";

// Canary mode through the real CLI and provider: each canary step of steady-deploy's plan is a
// config change applied by `up`, and the stable Deployment, Service and budget stay as they are.
const NS = "steady-canary";
const APP_LABELS = { "app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello" };
const platformConfig = { namespace: NS, environment: "canary" };
const V1 = { version: "v1", image: "steady/hello:1.0.0" };
const plan = defaultCanaryPlan({ image: "steady/hello:1.1.0", version: "v2" });

let kube: KubeClient;
/** The app stack with the base config plus `extra` (an empty string removes a key). */
/** The canary settings so far, as the stack file would hold them after each step's `--config`. */
let canaryConfig: Record<string, string> = {};
/**
 * The app stack with the base config plus the canary settings after `change` (the harness opens
 * the stack with exactly the config it is given, so the settings are carried here).
 */
let app: (change?: {
  set: Readonly<Record<string, string>>;
  remove: readonly string[];
}) => Promise<Stack>;

beforeAll(async () => {
  kube = client();
  await up(await stackOf("platform", "staging", "canary", platformConfig));
  app = (change = { set: {}, remove: [] }) => {
    const next = { ...canaryConfig, ...change.set };
    for (const k of change.remove) delete next[k];
    canaryConfig = next;
    return stackOf("app", "staging", "canary", {
      platformStack: "organization/steady-platform/canary",
      ...V1,
      ...next,
    });
  };
  await up(await app());
});
afterAll(() => kube.close());

const deployments = () => list(kube, "apis/apps/v1", NS, "deployments", APP_SELECTOR);
const byTrack = async () => {
  const all = await deployments();
  const canary = all.find((d) => d.metadata.labels?.["steady.dev/track"] === "canary");
  const stable = all.find((d) => d.metadata.labels?.["steady.dev/track"] === undefined);
  return { canary, stable: stable as Obj };
};
describe("turning a canary on", () => {
  it("previews as the creation of hello-canary only: every stable object stays the same", async () => {
    const ops = await previewOps(await app(plan.steps[0]));
    // The platform StackReference is read on every preview.
    const changed = Object.entries(ops).filter(([, op]) => op !== "same" && op !== "read");
    expect(changed).toEqual([
      [expect.stringMatching(/kubernetes:apps\/v1:Deployment::hello-canary$/), "create"],
    ]);
  });

  it("runs one canary pod behind the Service, next to the untouched stable pods", async () => {
    const before = (await byTrack()).stable;
    await up(await app(plan.steps[0]));
    const { stable, canary } = await byTrack();
    expect(stable.metadata.name).toBe(before.metadata.name);
    expect(stable.metadata).toEqual(
      expect.objectContaining({
        generation: (before.metadata as { generation?: number }).generation,
      }),
    );
    expect(canary?.status?.availableReplicas).toBe(1);
    expect(canary?.spec.selector.matchLabels["steady.dev/track"]).toBe("canary");
    // The Service's endpoints: both stable pods and the canary pod.
    await waitFor(
      "3 ready endpoints (2 stable, 1 canary)",
      async () => {
        const slices = await list(kube, "apis/discovery.k8s.io/v1", NS, "endpointslices");
        const ready = slices.flatMap((s) =>
          (
            (s as unknown as { endpoints?: { conditions?: { ready?: boolean } }[] }).endpoints ?? []
          ).filter((e) => e.conditions?.ready),
        );
        return ready.length === 3;
      },
      { timeoutMs: 60_000 },
    );
  });

  it("weighs 25 % and 50 % by replicas on top of the stable count", async () => {
    await up(await app(plan.steps[1]));
    expect((await byTrack()).canary?.spec.replicas).toBe(1);
    await up(await app(plan.steps[2]));
    const { canary, stable } = await byTrack();
    expect(canary?.spec.replicas).toBe(2);
    expect(canary?.metadata.annotations?.["steady.dev/canary-weight-percent"]).toBe("50");
    expect(stable.spec.replicas).toBe(2);
  });
});

describe("aborting and promoting", () => {
  it("aborts through steady-deploy's stack operations: one guarded up takes the canary to zero, stable unchanged", async () => {
    const before = (await byTrack()).stable;
    const logged: string[] = [];
    // The driver's own adapter: the change is written to the stack's config and applied by the
    // guarded up, whose preview refuses any replace or delete of a guarded resource.
    const ops = stackCanaryOps(
      await app(),
      "steady-app",
      kube,
      { namespace: NS, selector: APP_LABELS, port: 8080 },
      { stateDir: join(itDir(), "canary-state"), onOutput: (s) => logged.push(s) },
      () => undefined,
    );
    await ops.apply("canary abort", plan.abort);
    await app(plan.abort); // the settings the stack now holds, for the next step
    expect(logged.join("")).toContain("canary abort");
    const { canary, stable } = await byTrack();
    expect(canary?.spec.replicas).toBe(0);
    expect(stable.metadata).toEqual(
      expect.objectContaining({
        generation: (before.metadata as { generation?: number }).generation,
      }),
    );
  });

  it("promotes as a rolling update of the stable Deployment, with no replace or delete", async () => {
    const ops = await previewOps(await app(plan.promote));
    expect(Object.entries(ops).filter(([, op]) => /replace|delete/.test(op))).toEqual([]);
    await up(await app(plan.promote));
    const { canary, stable } = await byTrack();
    expect(stable.spec.template.spec.containers[0].image).toBe("steady/hello:1.1.0");
    expect(stable.status?.availableReplicas).toBe(2);
    expect(canary?.spec.replicas).toBe(0);
  });
});

describe("steady-deploy canary on the simulated nodes", () => {
  // kwok's pods run no app, so the scrape through the pod proxy cannot succeed: this drives the
  // failure path end to end (step, failed step, abort through Pulumi, report, exit code).
  it("aborts when the canary's metrics cannot be read: canary to zero, report written, exit 1", async () => {
    const stateDir = join(itDir(), "canary-cli-state");
    const stack = await app();
    const stableBefore = (await byTrack()).stable;
    const logs: string[] = [];
    const log = jest.spyOn(console, "log").mockImplementation((m: string) => logs.push(m));
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    let code: number;
    try {
      code = await runCanaryCli(
        ["--canary-image", "steady/hello:1.2.0", "--canary-version", "v3", "--window", "1"],
        async () => ({ stack, backendUrl: "", recover: "", kubeconfig: kubeconfig(), stateDir }),
      );
    } finally {
      log.mockRestore();
      write.mockRestore();
    }
    expect(code).toBe(1);
    const summary = logs.join("\n");
    expect(summary).toMatch(
      /canary failed: step 1 pod failed: cannot scrape pod steady-canary\/hello-/,
    );
    const file = /report: (\S+)/.exec(summary)?.[1];
    const report = JSON.parse(readFileSync(file!, "utf8"));
    expect(report.outcome).toBe("failed");
    expect(report.abort).toEqual(expect.objectContaining({ change: plan.abort, ok: true }));
    const { canary, stable } = await byTrack();
    expect(canary?.spec.replicas).toBe(0);
    expect(stable.spec.template.spec.containers[0].image).toBe(
      stableBefore.spec.template.spec.containers[0].image,
    );
  });
});
