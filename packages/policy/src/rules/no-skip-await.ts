import { TYPES, type ObjectMeta } from "../k8s";
import { resourcePolicy } from "../wiring";

/** Name of the rule. */
export const NO_SKIP_AWAIT = "no-skip-await";

/** Annotation that makes the Kubernetes provider stop waiting for a resource to become ready. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/**
 * Checks that a workload does not skip the provider's readiness wait: without it, `pulumi up`
 * succeeds while the rollout may still fail.
 */
export function checkSkipAwait(metadata: ObjectMeta | undefined): string[] {
  const v = metadata?.annotations?.[SKIP_AWAIT_ANNOTATION];
  return typeof v === "string" && v.trim().toLowerCase() === "true"
    ? [
        `the ${SKIP_AWAIT_ANNOTATION} annotation is "${v}": remove it so pulumi up waits until the rollout is complete and healthy, and fails when it stalls`,
      ]
    : [];
}

/** Policy: no skipAwait on Deployments and StatefulSets. */
export const noSkipAwaitPolicy = resourcePolicy(
  {
    name: NO_SKIP_AWAIT,
    description: `Deployments and StatefulSets do not carry the ${SKIP_AWAIT_ANNOTATION} annotation.`,
  },
  (type) => type === TYPES.deployment || type === TYPES.statefulSet,
  (obj) => checkSkipAwait(obj.metadata),
);
