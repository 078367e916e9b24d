import * as fc from "fast-check";
import { ArgsValidationError } from "@steady/core";
import {
  APP_DEFAULTS,
  buildAppManifests,
  resolveAppDeployment,
  resolveAppDeploymentArgs,
  type AppDeploymentArgs,
} from "../src";

const base: AppDeploymentArgs = { namespace: "apps", image: "example.com/hello:1.0.0" };

describe("resolveAppDeployment", () => {
  it("applies every default once, so the builders have nothing left to default", () => {
    const app = resolveAppDeployment("web", base);
    expect(app).toMatchObject({
      replicas: APP_DEFAULTS.replicas,
      containerPort: APP_DEFAULTS.containerPort,
      servicePort: APP_DEFAULTS.servicePort,
      rollout: {
        maxSurge: APP_DEFAULTS.maxSurge,
        maxUnavailable: APP_DEFAULTS.maxUnavailable,
        minReadySeconds: APP_DEFAULTS.minReadySeconds,
        progressDeadlineSeconds: APP_DEFAULTS.progressDeadlineSeconds,
      },
      awaitSeconds: APP_DEFAULTS.progressDeadlineSeconds + APP_DEFAULTS.awaitMarginSeconds,
      preStopSleepSeconds: APP_DEFAULTS.preStopSleepSeconds,
      drainSeconds: APP_DEFAULTS.drainSeconds,
      terminationGracePeriodSeconds:
        APP_DEFAULTS.preStopSleepSeconds +
        APP_DEFAULTS.drainSeconds +
        APP_DEFAULTS.terminationSlackSeconds,
      revisionHistoryLimit: APP_DEFAULTS.revisionHistoryLimit,
      disruptionBudget: { maxUnavailable: 1, minAvailable: undefined },
      topologySpread: APP_DEFAULTS.topologySpread,
      configMountPath: APP_DEFAULTS.configMountPath,
      config: undefined,
    });
    expect(app.tolerations).toHaveLength(2);
  });

  it("renders and hashes the config once, with the hash in the pod annotations", () => {
    const app = resolveAppDeployment("web", { ...base, config: { b: 1, a: 2 } });
    expect(app.config).toEqual({
      data: { "config.json": '{\n  "a": 2,\n  "b": 1\n}\n' },
      hash: expect.stringMatching(/^[0-9a-f]{10}$/),
      mountPath: "/etc/app",
      filePath: "/etc/app/config.json",
    });
    expect(app.podAnnotations).toEqual({ "steady.dev/config-hash": app.config!.hash });
  });

  it("leaves spec.replicas to the autoscaler and defaults its CPU target", () => {
    const app = resolveAppDeployment("web", {
      ...base,
      replicas: 4,
      autoscaling: { minReplicas: 2, maxReplicas: 5 },
    });
    expect(app.replicas).toBeUndefined();
    expect(app.autoscaling).toEqual({
      minReplicas: 2,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: APP_DEFAULTS.autoscaling.targetCPUUtilizationPercentage,
    });
  });

  it("throws every problem at once, naming the component", () => {
    expect(() => resolveAppDeployment("web", { ...base, image: "", replicas: 0 })).toThrow(
      ArgsValidationError,
    );
    expect(() => resolveAppDeployment("web", { ...base, image: "", replicas: 0 })).toThrow(
      'AppDeployment "web" has 2 invalid inputs',
    );
  });

  it("reports config that is not a plain JSON object instead of failing to render it", () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const { app, problems } = resolveAppDeploymentArgs("web", { ...base, config: circular });
    expect(app.config).toBeUndefined();
    expect(problems.list).toEqual([
      { propertyPath: "config", reason: "must be a plain JSON object" },
    ]);
  });

  it("builds the same objects from resolved args as from the args for any rollout and config", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 61, max: 3600 }),
        fc.option(fc.dictionary(fc.string({ maxLength: 5 }), fc.integer()), { nil: undefined }),
        (minReadySeconds, progressDeadlineSeconds, config) => {
          const args = { ...base, rollout: { minReadySeconds, progressDeadlineSeconds }, config };
          expect(buildAppManifests(resolveAppDeployment("web", args), "web-config-1")).toEqual(
            buildAppManifests("web", args, "web-config-1"),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
