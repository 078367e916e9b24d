import * as path from "node:path";
import { applyStackConfig, loadStackConfig, promiseOf, setupMocks } from "@steady/testing";

const mocks = setupMocks({
  project: "steady-app",
  stackReferences: {
    "organization/steady-platform/dev": { namespace: "steady-dev" },
    "organization/steady-platform/staging": { namespace: "steady-staging" },
    "organization/steady-platform/prod": { namespace: "steady-prod" },
  },
});

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const projectDir = path.join(__dirname, "..");

/* eslint-disable @typescript-eslint/no-explicit-any */
async function runStack(stack: string, overrides: Record<string, unknown> = {}) {
  mocks.reset();
  applyStackConfig(loadStackConfig(projectDir, stack, overrides));
  let exports: any;
  jest.isolateModules(() => {
    exports = require("../src/index");
  });
  await promiseOf(exports.url);
  await mocks.settle();
  return exports;
}

function runStackError(stack: string, overrides: Record<string, unknown>): Error {
  mocks.reset();
  applyStackConfig(loadStackConfig(projectDir, stack, overrides));
  try {
    jest.isolateModules(() => require("../src/index"));
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected the program to reject its config");
}

describe.each([
  ["dev", { namespace: "steady-dev", replicas: 1, pdb: false, hpa: undefined, spread: false }],
  [
    "staging",
    { namespace: "steady-staging", replicas: 2, pdb: true, hpa: undefined, spread: true },
  ],
  [
    "prod",
    {
      namespace: "steady-prod",
      replicas: undefined,
      pdb: true,
      hpa: { minReplicas: 3, maxReplicas: 6 },
      spread: true,
    },
  ],
])("the sample-app stack with Pulumi.%s.yaml", (stack, want) => {
  it("deploys the app into the platform's namespace with this environment's values", async () => {
    const out = await runStack(stack);
    expect(await promiseOf(out.namespace)).toBe(want.namespace);
    const d = mocks.get(DEPLOYMENT, "hello").inputs;
    expect(d.metadata.namespace).toBe(want.namespace);
    expect(d.spec.replicas).toBe(want.replicas);
    expect(mocks.ofType(PDB)).toHaveLength(want.pdb ? 1 : 0);
    expect(
      mocks.ofType(HPA).map((h) => ({
        minReplicas: h.inputs.spec.minReplicas,
        maxReplicas: h.inputs.spec.maxReplicas,
      })),
    ).toEqual(want.hpa ? [want.hpa] : []);
    expect(d.spec.template.spec.topologySpreadConstraints !== undefined).toBe(want.spread);
    expect(d.spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("v1");
    expect(d.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });

  it("registers every Kubernetes object through the stack's provider", async () => {
    await runStack(stack);
    const kube = mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));
    expect(kube.length).toBeGreaterThanOrEqual(3);
    for (const r of kube) expect(r.provider).toMatch(/pulumi:providers:kubernetes::cluster::/);
  });

  it("reports every problem of a broken copy of the config at once, before registering anything", () => {
    const err = runStackError(stack, {
      image: "",
      version: "v 2",
      replicas: "many",
      maxSurge: "150%",
      drainSeconds: "-1",
      replica: "3",
    });
    expect(err.message).toBe(
      [
        "Stack config of steady-app has 6 invalid inputs:",
        "  - steady-app:image: is required: set it with `pulumi config set image <value>`",
        '  - steady-app:version: "v 2" is not valid: expected a label value such as "v1.2.3"',
        '  - steady-app:replicas: "many" is not valid: expected an integer from 1 to 1000',
        '  - steady-app:maxSurge: "150%" is not valid: expected a whole number (0 or more) or a percentage like "25%"',
        '  - steady-app:drainSeconds: "-1" is not valid: expected an integer from 0 to 3600',
        `  - steady-app:replica: is not a known setting of steady-app: expected one of ${[
          "platformStack",
          "namespace",
          "image",
          "version",
          "greeting",
          "replicas",
          "minReplicas",
          "maxReplicas",
          "targetCpuUtilization",
          "disruptionBudget",
          "topologySpread",
          "maxSurge",
          "minReadySeconds",
          "progressDeadlineSeconds",
          "preStopSleepSeconds",
          "drainSeconds",
          "nodeLossTolerationSeconds",
          "nodeSelector",
          "tolerations",
          "canaryImage",
          "canaryVersion",
          "canaryReplicas",
          "canaryWeightPercent",
          "canaryFailureRatio",
          "kubeconfig",
          "context",
        ].join(", ")}`,
      ].join("\n"),
    );
    expect(mocks.resources).toHaveLength(0);
  });
});

describe("the sample-app stack's config rules", () => {
  it("rolls out a new version as an update of the same Deployment with the same selector", async () => {
    await runStack("staging");
    const v1 = mocks.get(DEPLOYMENT, "hello").inputs.spec;
    await runStack("staging", { version: "v2", image: "steady/hello:2.0.0" });
    const v2 = mocks.get(DEPLOYMENT, "hello").inputs.spec;
    expect(v2.selector).toEqual(v1.selector);
    expect(v2.template.metadata.labels["app.kubernetes.io/version"]).toBe("v2");
    expect(v2.template.spec.containers[0].image).toBe("steady/hello:2.0.0");
  });

  it("refuses replicas together with an autoscaler", () => {
    expect(runStackError("prod", { replicas: "3" }).message).toContain(
      "steady-app:replicas: cannot be set together with maxReplicas: the autoscaler owns the replica count",
    );
  });

  it("places the app on labelled, tainted nodes by config alone", async () => {
    await runStack("dev", {
      nodeSelector: "steady.dev/node-kind=real",
      tolerations: "steady.dev/real-node=true:NoSchedule,dedicated",
    });
    const pod = mocks.get(DEPLOYMENT, "hello").inputs.spec.template.spec;
    expect(pod.nodeSelector).toEqual({ "steady.dev/node-kind": "real" });
    expect(pod.tolerations).toEqual([
      { key: "steady.dev/real-node", operator: "Equal", value: "true", effect: "NoSchedule" },
      { key: "dedicated", operator: "Exists" },
      // The component's node-loss defaults follow the configured tolerations.
      ...["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
        key,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 30,
      })),
    ]);
  });

  it("sets how long pods stay on a lost node by config, and names a bad value", async () => {
    await runStack("dev", { nodeLossTolerationSeconds: "5" });
    const pod = mocks.get(DEPLOYMENT, "hello").inputs.spec.template.spec;
    expect(pod.tolerations).toEqual(
      ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"].map((key) => ({
        key,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 5,
      })),
    );
    expect(runStackError("dev", { nodeLossTolerationSeconds: "-1" }).message).toContain(
      'steady-app:nodeLossTolerationSeconds: "-1" is not valid: expected an integer from 0 to 86400',
    );
  });

  it("names the placement settings and their form when they are malformed", () => {
    const message = runStackError("dev", {
      nodeSelector: "real",
      tolerations: "a:NoSchedule:x",
    }).message;
    expect(message).toContain('steady-app:nodeSelector: "real" is not valid: expected node labels');
    expect(message).toContain('steady-app:tolerations: "a:NoSchedule:x" is not valid');
  });

  it("passes a bad taint effect to the component, which names it", () => {
    expect(runStackError("dev", { tolerations: "a:Sometimes" }).message).toContain(
      "tolerations[0].effect: must be one of NoSchedule, PreferNoSchedule, NoExecute",
    );
  });

  it("needs a namespace or a platform stack", () => {
    expect(runStackError("dev", { platformStack: undefined }).message).toContain(
      "steady-app:namespace: is required when platformStack is not set",
    );
  });
});

describe("the sample-app stack's canary settings", () => {
  it("runs a canary in prod by config alone, next to the untouched stable Deployment", async () => {
    await runStack("prod");
    const stable = mocks.get(DEPLOYMENT, "hello").inputs.spec;
    const out = await runStack("prod", {
      canaryImage: "steady/hello:1.1.0",
      canaryVersion: "v2",
      canaryWeightPercent: "25",
      canaryFailureRatio: "0.2",
    });
    expect(mocks.get(DEPLOYMENT, "hello").inputs.spec).toEqual(stable);
    const canary = mocks.get(DEPLOYMENT, "hello-canary").inputs.spec;
    expect(canary.replicas).toBe(1);
    expect(canary.selector.matchLabels["steady.dev/track"]).toBe("canary");
    const main = canary.template.spec.containers[0];
    expect(main.image).toBe("steady/hello:1.1.0");
    expect(main.env).toEqual(
      expect.arrayContaining([{ name: "HELLO_FAILURE_RATIO", value: "0.2" }]),
    );
    expect(await promiseOf(out.selector)).toEqual(stable.selector.matchLabels);
  });

  it("names every canary setting that needs canaryImage, and a bad failure ratio", () => {
    const message = runStackError("prod", {
      canaryReplicas: "1",
      canaryFailureRatio: "20%",
    }).message;
    expect(message).toContain(
      "steady-app:canaryReplicas: needs canaryImage: name the image of the version under test",
    );
    expect(message).toContain('steady-app:canaryFailureRatio: "20%" is not valid');
  });

  it("passes the canary's own problems on from the component", () => {
    expect(runStackError("prod", { canaryImage: "steady/hello:1.1.0" }).message).toContain(
      "canary: set exactly one of replicas",
    );
  });
});
