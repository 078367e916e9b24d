import * as fc from "fast-check";
import { buildAppManifests, validateAppDeploymentArgs } from "../src";

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
    expect(pod.tolerations).toEqual(args.tolerations);
    const bad = validateAppDeploymentArgs("web", {
      ...args,
      tolerations: [{ key: "x", effect: "Never" }],
    });
    expect(bad.list.map((p) => p.propertyPath)).toEqual(["tolerations[0].effect"]);
  });

  it("omits the budget when it is turned off", () => {
    expect(
      buildAppManifests("web", { namespace: "a", image: "x:1", disruptionBudget: false })
        .podDisruptionBudget,
    ).toBeUndefined();
  });
});
