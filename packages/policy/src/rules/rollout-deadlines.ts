import type { PolicyResourceOptions } from "@pulumi/policy";
import { ENVIRONMENT_SCHEMA } from "../config";
import { TYPES, type StringMap, type WorkloadSpec } from "../k8s";
import { resourcePolicy } from "../wiring";

/** Name of the rule. */
export const ROLLOUT_DEADLINES = "rollout-deadlines";

/** Annotation with which the Kubernetes provider's wait for a resource is set, in seconds. */
export const TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds";

/** How long the Kubernetes provider waits for a Deployment when nothing says otherwise. */
export const PROVIDER_DEFAULT_WAIT_SECONDS = 600;

/** How long `pulumi up` waits for a resource, and what decided it. */
export interface PulumiWait {
  readonly seconds: number;
  readonly source: string;
}

/**
 * How long `pulumi up` waits for a resource to become ready: the `pulumi.com/timeoutSeconds`
 * annotation, else the shorter of the create/update `customTimeouts`, else the provider's default.
 */
export function pulumiWait(
  annotations: StringMap | undefined,
  customTimeouts: Partial<PolicyResourceOptions["customTimeouts"]> | undefined,
): PulumiWait {
  const annotated = annotations?.[TIMEOUT_ANNOTATION];
  if (annotated !== undefined && /^\d+$/.test(String(annotated).trim())) {
    return { seconds: Number(annotated), source: `the ${TIMEOUT_ANNOTATION} annotation` };
  }
  const set = [customTimeouts?.createSeconds, customTimeouts?.updateSeconds].filter(
    (s): s is number => typeof s === "number" && s > 0,
  );
  if (set.length > 0) return { seconds: Math.min(...set), source: "customTimeouts" };
  return { seconds: PROVIDER_DEFAULT_WAIT_SECONDS, source: "the provider's default" };
}

/**
 * Checks the rollout deadlines of a Deployment (or, for `minReadySeconds` only, a StatefulSet):
 * `minReadySeconds` above 0, `progressDeadlineSeconds` set, and a Pulumi wait at least as long as
 * the progress deadline, so `pulumi up` reports the controller's verdict instead of giving up first.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#progress-deadline-seconds
 */
export function checkRolloutDeadlines(
  kind: "Deployment" | "StatefulSet",
  spec: WorkloadSpec | undefined,
  wait: PulumiWait,
): string[] {
  const out: string[] = [];
  const minReady = spec?.minReadySeconds;
  if (!(typeof minReady === "number" && minReady > 0)) {
    out.push(
      `spec.minReadySeconds is ${minReady === undefined ? "not set" : minReady}: set it above 0 (e.g. 5) so a pod that crashes right after turning Ready does not count as available`,
    );
  }
  if (kind !== "Deployment") return out;
  const deadline = spec?.progressDeadlineSeconds;
  if (deadline === undefined) {
    out.push(
      `spec.progressDeadlineSeconds is not set: set it (e.g. 120) so a stalled rollout is marked failed, and keep the ${TIMEOUT_ANNOTATION} annotation at least that long`,
    );
  } else if (wait.seconds < deadline) {
    out.push(
      `pulumi up waits ${wait.seconds} s (${wait.source}) but spec.progressDeadlineSeconds is ${deadline}: set the ${TIMEOUT_ANNOTATION} annotation to at least ${deadline} so pulumi up reports the controller's verdict instead of giving up first`,
    );
  }
  return out;
}

/** Policy: outside dev, minReadySeconds > 0 and a progress deadline that pulumi up waits for. */
export const rolloutDeadlinesPolicy = resourcePolicy(
  {
    name: ROLLOUT_DEADLINES,
    description:
      "Outside dev, Deployments and StatefulSets set minReadySeconds above 0, and Deployments set progressDeadlineSeconds no longer than pulumi up waits.",
    configSchema: ENVIRONMENT_SCHEMA,
  },
  (type) => type === TYPES.deployment || type === TYPES.statefulSet,
  (obj, ctx) => {
    if (ctx.environment === "dev") return [];
    return checkRolloutDeadlines(
      ctx.type === TYPES.deployment ? "Deployment" : "StatefulSet",
      obj.spec as WorkloadSpec | undefined,
      pulumiWait(obj.metadata?.annotations, ctx.opts.customTimeouts),
    );
  },
);
