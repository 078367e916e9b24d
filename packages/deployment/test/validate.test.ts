import { ArgsValidationError } from "@steady/core";
import { validateAppDeploymentArgs, type AppDeploymentArgs } from "../src";

const base: AppDeploymentArgs = { namespace: "apps", image: "example.com/hello:1.0.0" };

function problemsOf(args: Partial<AppDeploymentArgs>, name = "web"): string[] {
  return validateAppDeploymentArgs(name, { ...base, ...args } as AppDeploymentArgs).list.map(
    (p) => `${p.propertyPath}: ${p.reason}`,
  );
}

describe("validateAppDeploymentArgs", () => {
  it("accepts the defaults", () => {
    expect(problemsOf({})).toEqual([]);
  });

  it.each<[string, Partial<AppDeploymentArgs>, string]>([
    [
      "an empty image",
      { image: "" },
      "image: must not be empty: name an image such as registry.example.com/app:1.2.3",
    ],
    [
      "zero replicas",
      { replicas: 0 },
      "replicas: 0 is out of range: expected an integer from 1 to 10000",
    ],
    [
      "fractional replicas",
      { replicas: 1.5 },
      "replicas: 1.5 is out of range: expected an integer from 1 to 10000",
    ],
    [
      "a container port out of range",
      { containerPort: 70000 },
      "containerPort: 70000 is out of range: expected an integer from 1 to 65535",
    ],
    [
      "a service port of 0",
      { servicePort: 0 },
      "servicePort: 0 is out of range: expected an integer from 1 to 65535",
    ],
    [
      "maxSurge and maxUnavailable both 0",
      { rollout: { maxSurge: 0, maxUnavailable: 0 } },
      "rollout: maxSurge and maxUnavailable are both 0, so a rollout can never start: set maxSurge to 1 or more (keep maxUnavailable 0 for zero downtime)",
    ],
    [
      "both 0 as percentages",
      { rollout: { maxSurge: "0%", maxUnavailable: "0%" } },
      "rollout: maxSurge and maxUnavailable are both 0, so a rollout can never start: set maxSurge to 1 or more (keep maxUnavailable 0 for zero downtime)",
    ],
    [
      "a malformed percentage",
      { rollout: { maxSurge: "150%" } },
      'rollout.maxSurge: "150%" is not valid: expected a whole number of pods (0 or more) or a percentage from "0%" to "100%"',
    ],
    [
      "a negative maxUnavailable",
      { rollout: { maxUnavailable: -1 } },
      'rollout.maxUnavailable: -1 is not valid: expected a whole number of pods (0 or more) or a percentage like "25%"',
    ],
    [
      "a deadline not above minReadySeconds",
      { rollout: { minReadySeconds: 30, progressDeadlineSeconds: 30 } },
      "rollout.progressDeadlineSeconds: 30 s must be longer than minReadySeconds (30 s), or every rollout is reported as stalled",
    ],
    [
      "a grace period shorter than preStop + drain",
      { preStopSleepSeconds: 5, drainSeconds: 10, terminationGracePeriodSeconds: 12 },
      "terminationGracePeriodSeconds: 12 s must be longer than preStopSleepSeconds + drainSeconds (5 + 10 = 15 s), or pods are killed mid-drain",
    ],
    [
      "an autoscaler whose min is above its max",
      { autoscaling: { minReplicas: 5, maxReplicas: 3 } },
      "autoscaling: minReplicas (5) is greater than maxReplicas (3)",
    ],
    [
      "a budget that would block every drain",
      { replicas: 2, disruptionBudget: { minAvailable: 2 } },
      "disruptionBudget.minAvailable: 2 is not below the replica count (2): no pod could ever be evicted and node drains would block; use maxUnavailable: 1",
    ],
    [
      "a budget at the autoscaler's floor",
      { autoscaling: { minReplicas: 3, maxReplicas: 5 }, disruptionBudget: { minAvailable: 3 } },
      "disruptionBudget.minAvailable: 3 is not below the autoscaler's minReplicas (3): no pod could ever be evicted and node drains would block; use maxUnavailable: 1",
    ],
    [
      "a budget with both fields",
      { disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } },
      "disruptionBudget: set exactly one of maxUnavailable, minAvailable (found 2)",
    ],
    [
      "an invalid version label",
      { version: "1.0 beta" },
      'version: "1.0 beta" cannot be a label value: expected 1 to 63 alphanumerics, with "-", "_" or "." inside (e.g. "v1.2.3")',
    ],
    [
      "an invalid label value",
      { labels: { team: "a b" } },
      'labels.team: label value "a b" is not valid: expected at most 63 characters, alphanumerics with "-", "_" or "." inside',
    ],
    [
      "a label the component owns",
      { labels: { "app.kubernetes.io/version": "v9" } },
      "labels.app.kubernetes.io/version: is set by the component (selector and version labels); use appName, instance or version instead",
    ],
    [
      "a relative config path",
      { configMountPath: "etc/app" },
      'configMountPath: "etc/app" must be an absolute directory other than "/"',
    ],
    [
      "memory limit below request",
      { resources: { requests: { memory: "256Mi" }, limits: { memory: "128Mi" } } },
      "resources.limits.memory: 128Mi is below the request 256Mi: a limit must be at least the request",
    ],
    [
      "a sidecar without an image",
      { sidecars: [{ name: "logs", image: " " }] },
      "sidecars[0].image: must not be empty: name an image such as registry.example.com/app:1.2.3",
    ],
    [
      "a sidecar named like the main container",
      { sidecars: [{ name: "app", image: "example.com/x:1" }] },
      'sidecars[0].name: container name "app" is used twice',
    ],
  ])("rejects %s", (_, args, message) => {
    expect(problemsOf(args)).toEqual([message]);
  });

  it("checks the pod with its config volume before the ConfigMap is registered", () => {
    // The config volume is there while the args are checked, though its ConfigMap's name is
    // generated later: a sidecar may mount it when the app has config, not without.
    const reader = {
      name: "reader",
      image: "example.com/reader:1",
      volumeMounts: [{ volume: "app-config", mountPath: "/config" }],
    };
    expect(problemsOf({ config: { greeting: "hi" }, sidecars: [reader] })).toEqual([]);
    expect(problemsOf({ sidecars: [reader] })).toEqual([
      expect.stringMatching(/^sidecars\[0\]\.volumeMounts\[0\].*app-config/),
    ]);
  });

  it("rejects a component name that cannot be a label value", () => {
    expect(problemsOf({}, "Web App")).toEqual([
      'name: "Web App" cannot be the app.kubernetes.io/name label: expected at most 63 alphanumerics, with "-", "_" or "." inside',
      'name: "Web App" cannot be the app.kubernetes.io/instance label: expected at most 63 alphanumerics, with "-", "_" or "." inside',
    ]);
  });

  it("reports every problem together in one error naming each property", () => {
    const problems = validateAppDeploymentArgs("web", {
      ...base,
      image: "",
      replicas: 0,
      containerPort: 0,
      autoscaling: { minReplicas: 4, maxReplicas: 2 },
    });
    expect(problems.list.map((p) => p.propertyPath)).toEqual([
      "replicas",
      "containerPort",
      "autoscaling",
      "image",
    ]);
    let thrown: unknown;
    try {
      problems.throwIfAny('AppDeployment "web"');
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(ArgsValidationError);
    expect((thrown as Error).message).toBe(
      [
        'AppDeployment "web" has 4 invalid inputs:',
        "  - replicas: 0 is out of range: expected an integer from 1 to 10000",
        "  - containerPort: 0 is out of range: expected an integer from 1 to 65535",
        "  - autoscaling: minReplicas (4) is greater than maxReplicas (2)",
        "  - image: must not be empty: name an image such as registry.example.com/app:1.2.3",
      ].join("\n"),
    );
  });
});

describe("validateAppDeploymentArgs podLabels", () => {
  it("rejects pod labels the component or the controller own", () => {
    expect(
      validateAppDeploymentArgs("web", {
        namespace: "a",
        image: "x:1",
        podLabels: { "pod-template-hash": "x" },
      }).list.map((p) => `${p.propertyPath}: ${p.reason}`),
    ).toEqual([
      "podLabels.pod-template-hash: is set by the component or the Deployment controller; use appName, instance, version or labels instead",
    ]);
  });
});
