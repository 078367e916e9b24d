import * as fc from "fast-check";
import {
  APP_DEFAULTS,
  buildAppManifests,
  validateAppDeploymentArgs,
  type AppDeploymentArgs,
} from "../src";

/* eslint-disable @typescript-eslint/no-explicit-any */
describe("buildAppManifests", () => {
  it("keeps ports in agreement across the container, its probes and the Service for any valid ports", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 65535 }),
        fc.integer({ min: 1, max: 65535 }),
        (containerPort, servicePort) => {
          const args = {
            namespace: "apps",
            image: "example.com/app:1",
            containerPort,
            servicePort,
          };
          expect(validateAppDeploymentArgs("web", args).ok).toBe(true);
          const m = buildAppManifests("web", args);
          const container = (m.deployment.spec.template as any).spec.containers[0];
          const port = container.ports.find((p: any) => p.containerPort === containerPort);
          expect(port).toBeDefined();
          for (const probe of [
            container.readinessProbe,
            container.livenessProbe,
            container.startupProbe,
          ]) {
            expect(probe.httpGet.port).toBe(port.name);
          }
          const svcPort = (m.service.spec as any).ports[0];
          expect(svcPort.targetPort).toBe(port.name);
          expect(svcPort.port).toBe(servicePort);
        },
      ),
    );
  });

  it("derives the Pulumi wait from the progress deadline for any deadline", () => {
    fc.assert(
      fc.property(fc.integer({ min: 6, max: 3600 }), (progressDeadlineSeconds) => {
        const m = buildAppManifests("web", {
          namespace: "apps",
          image: "x:1",
          rollout: { progressDeadlineSeconds },
        });
        const wait = Number(
          (m.deployment.metadata.annotations as any)["pulumi.com/timeoutSeconds"],
        );
        expect(wait).toBeGreaterThan(progressDeadlineSeconds);
        expect(wait).toBeLessThanOrEqual(progressDeadlineSeconds + 60);
      }),
    );
  });

  it("places pods with a node selector and tolerations, and rejects a bad toleration", () => {
    const args = {
      namespace: "apps",
      image: "example.com/app:1",
      nodeSelector: { "steady.dev/node-kind": "real" },
      tolerations: [{ key: "steady.dev/real-node", operator: "Exists", effect: "NoSchedule" }],
    };
    expect(validateAppDeploymentArgs("web", args).ok).toBe(true);
    const pod = (buildAppManifests("web", args).deployment.spec.template as any).spec;
    expect(pod.nodeSelector).toEqual({ "steady.dev/node-kind": "real" });
    expect(pod.tolerations).toEqual([
      ...args.tolerations,
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 30,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 30,
      },
    ]);
    const bad = validateAppDeploymentArgs("web", {
      ...args,
      tolerations: [{ key: "x", effect: "Never" }],
    });
    expect(bad.list.map((p) => p.propertyPath)).toEqual(["tolerations[0].effect"]);
  });

  describe("node-loss tolerations", () => {
    const NOT_READY = "node.kubernetes.io/not-ready";
    const UNREACHABLE = "node.kubernetes.io/unreachable";
    const podOf = (extra: Partial<AppDeploymentArgs>) =>
      (
        buildAppManifests("web", { namespace: "a", image: "x:1", ...extra }).deployment.spec
          .template as any
      ).spec;
    const seconds = (pod: any, key: string) =>
      pod.tolerations
        .filter((t: any) => t.key === key)
        .map((t: any) => [t.effect, t.tolerationSeconds]);

    it("evicts pods from a lost node after APP_DEFAULTS.nodeLossTolerationSeconds, not the cluster's 300 s", () => {
      const pod = podOf({});
      expect(APP_DEFAULTS.nodeLossTolerationSeconds).toBe(30);
      expect(seconds(pod, NOT_READY)).toEqual([["NoExecute", 30]]);
      expect(seconds(pod, UNREACHABLE)).toEqual([["NoExecute", 30]]);
      expect(pod.tolerations.every((t: any) => t.operator === "Exists")).toBe(true);
    });

    it("takes nodeLossTolerationSeconds for both taints, 0 included", () => {
      for (const n of [0, 120]) {
        const pod = podOf({ nodeLossTolerationSeconds: n });
        expect(seconds(pod, NOT_READY)).toEqual([["NoExecute", n]]);
        expect(seconds(pod, UNREACHABLE)).toEqual([["NoExecute", n]]);
      }
    });

    it("lets a caller's toleration for one key replace the default for that key only, never duplicate it", () => {
      const own = {
        key: UNREACHABLE,
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 600,
      };
      const pod = podOf({ tolerations: [own] });
      expect(seconds(pod, UNREACHABLE)).toEqual([["NoExecute", 600]]);
      expect(seconds(pod, NOT_READY)).toEqual([["NoExecute", 30]]);
      expect(pod.tolerations[0]).toEqual(own);
    });

    it("counts a key-less Exists toleration (every taint) as covering both keys", () => {
      const pod = podOf({ tolerations: [{ operator: "Exists" }] });
      expect(pod.tolerations).toEqual([{ operator: "Exists" }]);
    });

    it("keeps the default beside a toleration of the same key for another effect", () => {
      const pod = podOf({
        tolerations: [{ key: UNREACHABLE, operator: "Exists", effect: "NoSchedule" }],
      });
      expect(seconds(pod, UNREACHABLE)).toEqual([
        ["NoSchedule", undefined],
        ["NoExecute", 30],
      ]);
    });

    it.each([-1, 1.5, 86401])(
      "rejects nodeLossTolerationSeconds %p with the other problems",
      (n) => {
        const problems = validateAppDeploymentArgs("web", {
          namespace: "a",
          image: "x:1",
          replicas: 0,
          nodeLossTolerationSeconds: n,
        });
        expect(problems.list).toEqual(
          expect.arrayContaining([
            {
              propertyPath: "nodeLossTolerationSeconds",
              reason: `${n} is out of range: expected an integer from 0 to 86400`,
            },
            expect.objectContaining({ propertyPath: "replicas" }),
          ]),
        );
      },
    );
  });

  it("omits the budget when it is turned off", () => {
    expect(
      buildAppManifests("web", { namespace: "a", image: "x:1", disruptionBudget: false })
        .podDisruptionBudget,
    ).toBeUndefined();
  });
});
