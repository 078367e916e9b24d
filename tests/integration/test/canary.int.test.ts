import type { Stack } from "@pulumi/pulumi/automation";
import type { KubeClient } from "@steady/deploy";
import {
  defaultCanaryPlan,
  lockDir,
  runCanaryCli,
  stackCanaryOps,
  type RunTarget,
} from "@steady/deploy";
import { pulumiEnv, repoRoot } from "@steady/deployer";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
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
  const stateDir = () => join(itDir(), "canary-cli-state");
  const recover = (stack: Stack) => `steady-deploy recover --stack ${stack.name}`;
  /** The stack as steady-deploy's opener gives it: the tier's file backend, its recover command. */
  const targetOf = (stack: Stack): RunTarget => ({
    stack,
    backendUrl: pulumiEnv().PULUMI_BACKEND_URL!,
    recover: recover(stack),
    kubeconfig: kubeconfig(),
    stateDir: stateDir(),
  });
  /** Runs the CLI's canary; returns its exit code and what it printed (console and Pulumi). */
  async function canary(stack: Stack, argv: string[]) {
    const logs: string[] = [];
    const keep = (m: unknown) => void logs.push(String(m));
    const log = jest.spyOn(console, "log").mockImplementation(keep);
    const error = jest.spyOn(console, "error").mockImplementation(keep);
    const write = jest.spyOn(process.stdout, "write").mockImplementation(() => true);
    try {
      const code = await runCanaryCli(argv, async () => targetOf(stack));
      return { code, out: logs.join("\n") };
    } finally {
      log.mockRestore();
      error.mockRestore();
      write.mockRestore();
    }
  }
  const CANARY_V3 = [
    "--canary-image",
    "steady/hello:1.2.0",
    "--canary-version",
    "v3",
    "--window",
    "1",
  ];

  /** Runs `during` while the stack holds a lock as a killed `pulumi up` leaves it (its pid gone). */
  async function withDeadLock<T>(stack: Stack, during: () => Promise<T>): Promise<T> {
    const dir = lockDir(pulumiEnv().PULUMI_BACKEND_URL!, stack.name)!;
    mkdirSync(dir, { recursive: true });
    const lock = join(dir, "killed-up.json");
    writeFileSync(
      lock,
      JSON.stringify({
        pid: 4194303,
        username: "ci",
        hostname: hostname(),
        timestamp: new Date().toISOString(),
      }),
    );
    try {
      return await during();
    } finally {
      rmSync(lock);
    }
  }

  it("refuses a locked stack with exit 5 before any step, naming the command that recovers it", async () => {
    const stack = await app();
    const updates = (await stack.history()).length;
    const run = await withDeadLock(stack, () => canary(stack, CANARY_V3));
    expect(run.code).toBe(5);
    expect(run.out).toContain(`the stack ${stack.name} is locked by 1 lock(s)`);
    expect(run.out).toContain(
      `Release it and resolve its pending operations with:\n  ${recover(stack)}`,
    );
    expect(run.out).not.toContain("canary step");
    expect((await stack.history()).length).toBe(updates);
  });

  it("is the repo tool's canary too: steady-repo-deploy canary opens the env's app stack and pre-flights it", async () => {
    // The built tool as users run it, on this file's app stack (env staging, stack canary), with
    // the config the stack was deployed with; the lock stops it before any up, so it is cheap.
    const stack = await app();
    const cli = join(repoRoot(), "tools", "deployer", "dist", "cli.js");
    const md = join(itDir(), "canary-repo-tool-summary.md");
    rmSync(md, { force: true });
    const argv = [
      "canary",
      "--summary-md",
      md,
      "--env",
      "staging",
      "--stack",
      "canary",
      ...CANARY_V3,
      ...Object.entries({ platformStack: "organization/steady-platform/canary", ...V1 }).flatMap(
        ([k, v]) => ["--config", `${k}=${v}`],
      ),
    ];
    const run = await withDeadLock(stack, async () =>
      spawnSync(process.execPath, [cli, ...argv], {
        encoding: "utf8",
        env: { ...process.env, KUBECONFIG: kubeconfig() },
      }),
    );
    const out = `${run.stdout}${run.stderr}`;
    expect({ status: run.status, out }).toEqual({ status: 5, out: expect.any(String) });
    expect(out).toContain(`the stack ${stack.name} is locked by 1 lock(s)`);
    expect(out).toContain(
      "\n  steady-repo-deploy recover --project app --env staging --stack canary",
    );
    expect(out).not.toContain("canary step");
    // The canary's own summary section, so it was the canary run that stopped, not a plain up.
    expect(readFileSync(md, "utf8")).toContain(
      `### \`${stack.name}\`: canary\n\n**Canary: not started** (exit 5)`,
    );
  });

  // kwok's pods run no app, so the scrape through the pod proxy cannot succeed: this drives the
  // failure path end to end (step, failed step, abort through Pulumi, report, exit code).
  it("aborts when the canary's metrics cannot be read: canary to zero, report written, exit 1", async () => {
    const stack = await app();
    const stableBefore = (await byTrack()).stable;
    const { code, out: summary } = await canary(stack, CANARY_V3);
    expect(code).toBe(1);
    // up's tuning, printed as up prints it: once for the previews, then for each step's up.
    expect(summary).toMatch(
      /steady-deploy: preview with parallel \d+ \([^)]+\); provider client QPS 500, burst 1000 \(steady-deploy's defaults\)/,
    );
    expect(summary.match(/steady-deploy: up with parallel \d+ /g)).toHaveLength(2); // step 1 pod, abort
    // Each up is watched like up's: a rollout report of the stack's Deployments.
    expect(summary).toMatch(/Rollout of deployment steady-canary\/hello-/);
    expect(summary).toMatch(
      /canary failed: step 1 pod failed: cannot scrape pod steady-canary\/hello-/,
    );
    const file = /report:\s+(\S+\/rollouts\/canary-\S+\.json)/.exec(summary)?.[1];
    const report = JSON.parse(readFileSync(file!, "utf8"));
    expect(report.outcome).toBe("failed");
    expect(report.abort).toEqual(expect.objectContaining({ change: plan.abort, ok: true }));
    const svg = readFileSync(
      /timeline:\s+(\S+\/rollouts\/canary-\S+\.svg)/.exec(summary)![1]!,
      "utf8",
    );
    expect(svg).toContain(">analysis failed: cannot scrape pod steady-canary/hello-");
    expect(svg).toContain('<rect class="abort"');
    const { canary: c, stable } = await byTrack();
    expect(c?.spec.replicas).toBe(0);
    expect(stable.spec.template.spec.containers[0].image).toBe(
      stableBefore.spec.template.spec.containers[0].image,
    );
  });
});
