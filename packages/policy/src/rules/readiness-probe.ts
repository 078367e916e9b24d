import { containerLabel, servesPorts, type PodSpec } from "../k8s";
import { resourcePolicy } from "../wiring";
import { hasPodSpec, podSpecOf } from "./pod-spec";

/** Name of the rule. */
export const READINESS_PROBE = "readiness-probe";

/**
 * Checks that every container that serves a port has a readiness probe: without one, a pod gets
 * traffic (and counts towards a rollout) as soon as its process starts.
 * @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/
 */
export function checkReadinessProbes(pod: PodSpec | undefined): string[] {
  return (pod?.containers ?? []).flatMap((c, i) => {
    if (!servesPorts(c) || c.readinessProbe) return [];
    const ports = (c.ports ?? []).map((p) => p.containerPort ?? p.name).join(", ");
    return [
      `${containerLabel(c, i)} serves port ${ports} but has no readinessProbe: add one (e.g. httpGet on the port) so it gets traffic, and the rollout moves on, only once it is ready`,
    ];
  });
}

/** Policy: a readiness probe on every container that serves a port. */
export const readinessProbePolicy = resourcePolicy(
  {
    name: READINESS_PROBE,
    description:
      "Every container that serves a port (in Deployments, StatefulSets and Pods) has a readiness probe.",
  },
  hasPodSpec,
  (obj, ctx) => checkReadinessProbes(podSpecOf(ctx.type, obj)),
);
