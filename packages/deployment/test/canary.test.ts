import * as fc from "fast-check";
import { promiseOf, setupMocks } from "@steady/testing";
import {
  AppDeployment,
  CANARY_WEIGHT_ANNOTATION,
  TRACK_LABEL,
  buildAppManifests,
  canaryReplicasFor,
  canaryWeightOf,
  resolveAppDeployment,
  validateAppDeploymentArgs,
  type AppDeploymentArgs,
} from "../src";

const base: AppDeploymentArgs = {
  namespace: "apps",
  image: "example.com/hello:1.0.0",
  version: "v1",
  replicas: 4,
};
const canary = { image: "example.com/hello:1.1.0", version: "v2" };

function problemsOf(args: Partial<AppDeploymentArgs>): string[] {
  return validateAppDeploymentArgs("web", { ...base, ...args }).list.map(
    (p) => `${p.propertyPath}: ${p.reason}`,
  );
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function manifests(args: Partial<AppDeploymentArgs>) {
  return buildAppManifests(resolveAppDeployment("web", { ...base, ...args }), "web-config-x");
}

describe("canary weight as a replica ratio", () => {
  it.each([
    // stable, wanted %, canary pods, share they get
    [1, 25, 1, 50],
    [2, 25, 1, 33],
    [2, 50, 2, 50],
    [3, 25, 1, 25],
    [4, 25, 1, 20],
    [4, 50, 4, 50],
    [10, 10, 1, 9],
    [10, 25, 3, 23],
    [10, 50, 10, 50],
    [10, 99, 990, 99],
  ])("with %d stable pods, %d%% gives %d canary pods (%d%%)", (stable, want, pods, share) => {
    expect(canaryReplicasFor(stable, want)).toBe(pods);
    expect(canaryWeightOf(stable, pods)).toBe(share);
  });

  it("always runs at least one canary pod and never moves further from the wanted share than one pod does", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 99 }), (n, w) => {
        const c = canaryReplicasFor(n, w);
        expect(c).toBeGreaterThanOrEqual(1);
        const err = (k: number) => Math.abs(k / (n + k) - w / 100);
        if (c > 1) expect(err(c)).toBeLessThanOrEqual(err(c - 1) + 1e-9);
        expect(err(c)).toBeLessThanOrEqual(err(c + 1) + 1e-9);
      }),
      // Every pair is cheap to check; 5,41 is where rounding alone picked the farther count.
      { numRuns: 5000, examples: [[5, 41]] },
    );
  });
});

describe("canary manifests", () => {
  const without = manifests({});
  const withCanary = manifests({
    canary: { ...canary, replicas: 1, env: { HELLO_FAILURE_RATIO: "0.2" } },
  });
  const d = withCanary.canaryDeployment as any;

  it("leaves the stable Deployment, the Service and the budget exactly as without a canary", () => {
    expect(withCanary.deployment).toEqual(without.deployment);
    expect(withCanary.service).toEqual(without.service);
    expect(withCanary.podDisruptionBudget).toEqual(without.podDisruptionBudget);
    expect(withCanary.selector).toEqual(without.selector);
    expect(without.canaryDeployment).toBeUndefined();
  });

  it("selects the canary pods by the stable selector plus the track label", () => {
    expect(d.spec.selector.matchLabels).toEqual({ ...without.selector, [TRACK_LABEL]: "canary" });
    expect(d.spec.template.metadata.labels).toEqual(
      expect.objectContaining({
        ...d.spec.selector.matchLabels,
        "app.kubernetes.io/version": "v2",
      }),
    );
  });

  it("puts the canary pods behind the one Service and under the one budget", () => {
    const podLabels = d.spec.template.metadata.labels as Record<string, string>;
    const service = withCanary.service.spec.selector as Record<string, string>;
    const pdb = (withCanary.podDisruptionBudget as any).spec.selector.matchLabels;
    for (const [k, v] of Object.entries({ ...service, ...pdb })) expect(podLabels[k]).toBe(v);
  });

  it("leaves the stable pods without the track label, so the canary selector never matches them", () => {
    const stableLabels = (withCanary.deployment.spec as any).template.metadata.labels;
    expect(stableLabels[TRACK_LABEL]).toBeUndefined();
  });

  it("runs the canary image, version and env with every zero-downtime setting of the stable pods", () => {
    const main = d.spec.template.spec.containers[0];
    const stable = (withCanary.deployment.spec as any).template.spec.containers[0];
    expect(main.image).toBe("example.com/hello:1.1.0");
    const env = Object.fromEntries(main.env.map((e: any) => [e.name, e.value]));
    expect(env).toEqual(expect.objectContaining({ VERSION: "v2", HELLO_FAILURE_RATIO: "0.2" }));
    expect(main.readinessProbe).toEqual(stable.readinessProbe);
    expect(main.lifecycle).toEqual(stable.lifecycle);
    const spec = { ...d.spec, replicas: undefined, selector: undefined, template: undefined };
    const stableSpec = {
      ...(withCanary.deployment.spec as any),
      replicas: undefined,
      selector: undefined,
      template: undefined,
    };
    expect(spec).toEqual(stableSpec);
    expect(d.spec.template.spec.terminationGracePeriodSeconds).toBe(
      (withCanary.deployment.spec as any).template.spec.terminationGracePeriodSeconds,
    );
  });

  it("runs the given canary pods, or those a weight asks for, and records the share", () => {
    expect(d.spec.replicas).toBe(1);
    expect(d.metadata.annotations[CANARY_WEIGHT_ANNOTATION]).toBe("20");
    const weighted = manifests({ canary: { ...canary, weightPercent: 50 } })
      .canaryDeployment as any;
    expect(weighted.spec.replicas).toBe(4);
    expect(weighted.metadata.annotations[CANARY_WEIGHT_ANNOTATION]).toBe("50");
    const idle = manifests({ canary: { ...canary, replicas: 0 } }).canaryDeployment as any;
    expect(idle.spec.replicas).toBe(0);
    expect(idle.metadata.annotations[CANARY_WEIGHT_ANNOTATION]).toBe("0");
  });
});

describe("canary with an autoscaler", () => {
  it("weighs the canary against minReplicas and leaves the autoscaler on the stable Deployment", () => {
    const m = manifests({
      replicas: undefined,
      autoscaling: { minReplicas: 3, maxReplicas: 6 },
      canary: { ...canary, weightPercent: 25 },
    });
    const d = m.canaryDeployment as any;
    expect(d.spec.replicas).toBe(1);
    expect(d.metadata.annotations[CANARY_WEIGHT_ANNOTATION]).toBe("25");
    expect((m.deployment.spec as any).replicas).toBeUndefined();
    expect(m.autoscaler).toBeDefined();
  });
});

describe("canary validation", () => {
  it.each<[string, Partial<AppDeploymentArgs>, string[]]>([
    [
      "neither count nor weight",
      { canary },
      [
        "canary: set exactly one of replicas (canary pods, 0 to 10000) or weightPercent (1 to 99) (found 0)",
      ],
    ],
    [
      "both count and weight",
      { canary: { ...canary, replicas: 1, weightPercent: 25 } },
      [
        "canary: set exactly one of replicas (canary pods, 0 to 10000) or weightPercent (1 to 99) (found 2)",
      ],
    ],
    [
      "a weight of 100",
      { canary: { ...canary, weightPercent: 100 } },
      ["canary.weightPercent: 100 is out of range: expected an integer from 1 to 99"],
    ],
    [
      "a weight of 0",
      { canary: { ...canary, weightPercent: 0 } },
      ["canary.weightPercent: 0 is out of range: expected an integer from 1 to 99"],
    ],
    [
      "a fractional weight",
      { canary: { ...canary, weightPercent: 12.5 } },
      ["canary.weightPercent: 12.5 is out of range: expected an integer from 1 to 99"],
    ],
    [
      "negative replicas",
      { canary: { ...canary, replicas: -1 } },
      ["canary.replicas: -1 is out of range: expected an integer from 0 to 10000"],
    ],
    [
      "an empty image",
      { canary: { ...canary, image: "", replicas: 1 } },
      ["canary.image: is required: the image of the version under test"],
    ],
    [
      "a version that is no label value",
      { canary: { ...canary, version: "v 2", replicas: 1 } },
      [
        'canary.version: "v 2" cannot be a label value: expected 1 to 63 alphanumerics, with "-", "_" or "." inside (e.g. "v1.2.4")',
      ],
    ],
  ])("refuses %s, naming the input and the valid values", (_, args, expected) => {
    expect(problemsOf(args)).toEqual(expected);
  });

  it("reports every canary problem at once, with the others", () => {
    expect(
      problemsOf({ replicas: 0, canary: { image: "", replicas: -1, weightPercent: 0 } }),
    ).toEqual([
      "replicas: 0 is out of range: expected an integer from 1 to 10000",
      "canary.image: is required: the image of the version under test",
      "canary: set exactly one of replicas (canary pods, 0 to 10000) or weightPercent (1 to 99) (found 2)",
      "canary.replicas: -1 is out of range: expected an integer from 0 to 10000",
      "canary.weightPercent: 0 is out of range: expected an integer from 1 to 99",
    ]);
  });
});

describe("AppDeployment with a canary", () => {
  const mocks = setupMocks();
  const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

  it("registers the canary Deployment as web-canary and keeps every other child as it was", async () => {
    mocks.reset();
    const plain = new AppDeployment("web", base);
    await promiseOf(plain.url);
    await mocks.settle();
    const before = mocks.urns().filter((u) => u.includes("kubernetes:"));
    mocks.reset();
    const app = new AppDeployment("web", { ...base, canary: { ...canary, replicas: 1 } });
    await promiseOf(app.url);
    await mocks.settle();
    const after = mocks.urns().filter((u) => u.includes("kubernetes:"));
    expect(after.filter((u) => !before.includes(u))).toEqual([
      expect.stringMatching(/AppDeployment\$kubernetes:apps\/v1:Deployment::web-canary$/),
    ]);
    expect(before.every((u) => after.includes(u))).toBe(true);
    expect((mocks.get(DEPLOYMENT, "web-canary").inputs as any).spec.replicas).toBe(1);
    expect(await promiseOf(app.canaryDeploymentName)).toBeDefined();
    expect(await promiseOf(plain.canaryDeploymentName)).toBeUndefined();
  });

  it("throws every problem before registering any child", () => {
    mocks.reset();
    expect(
      () => new AppDeployment("web", { ...base, canary: { ...canary, weightPercent: 100 } }),
    ).toThrow(/canary\.weightPercent/);
    expect(mocks.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
  });
});
