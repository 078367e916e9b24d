import { containerLabel, type Container, type PodSpec } from "../k8s";
import { resourcePolicy } from "../wiring";
import { hasPodSpec, podSpecOf } from "./pod-spec";

/** Name of the rule. */
export const RESOURCE_REQUESTS = "resource-requests";

const has = (m: Readonly<Record<string, unknown>> | undefined, key: string) =>
  m !== undefined && m !== null && m[key] !== undefined && m[key] !== null && m[key] !== "";

function missing(c: Container): string[] {
  const r = c.resources;
  return [
    has(r?.requests, "cpu") ? undefined : "resources.requests.cpu",
    has(r?.requests, "memory") ? undefined : "resources.requests.memory",
    has(r?.limits, "memory") ? undefined : "resources.limits.memory",
  ].filter((x): x is string => x !== undefined);
}

/**
 * Checks that every container and init container requests CPU and memory and limits memory.
 * @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/
 */
export function checkResourceRequests(pod: PodSpec | undefined): string[] {
  const check = (c: Container, i: number, init: boolean) => {
    const gaps = missing(c);
    return gaps.length === 0
      ? []
      : [
          `${containerLabel(c, i, init)} does not set ${gaps.join(", ")}: set CPU and memory requests so the scheduler can place the pod, and a memory limit so a leak kills this container, not its neighbours`,
        ];
  };
  return [
    ...(pod?.initContainers ?? []).flatMap((c, i) => check(c, i, true)),
    ...(pod?.containers ?? []).flatMap((c, i) => check(c, i, false)),
  ];
}

/** Policy: CPU and memory requests and a memory limit on every container. */
export const resourceRequestsPolicy = resourcePolicy(
  {
    name: RESOURCE_REQUESTS,
    description:
      "Every container requests CPU and memory and has a memory limit (Deployments, StatefulSets, Pods).",
  },
  hasPodSpec,
  (obj, ctx) => checkResourceRequests(podSpecOf(ctx.type, obj)),
);
