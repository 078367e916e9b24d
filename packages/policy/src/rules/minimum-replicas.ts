import { ENVIRONMENT_PROPERTY, MIN_REPLICAS, type Environment } from "../config";
import { stackPolicy, subject, type PlainResource, type StackViolation } from "../wiring";
import { autoscalerSpec, replicaFloor, stablePartnerOf, workloadsOf } from "../workloads";

/** Name of the rule. */
export const MINIMUM_REPLICAS = "minimum-replicas";

const plural = (n: number) => `${n} replica${n === 1 ? "" : "s"}`;

/**
 * Finds every Deployment and StatefulSet that runs fewer pods than `minimum`: its autoscaler's
 * `minReplicas` when an autoscaler scales it, otherwise `spec.replicas` (1 when unset). A canary
 * Deployment next to its stable one (see `stablePartnerOf`) is left out: the pair runs at least
 * the stable count, which is checked.
 * @param minimum fewest pods allowed, usually {@link MIN_REPLICAS} of the environment.
 */
export function checkMinimumReplicas(
  resources: readonly PlainResource[],
  environment: Environment,
  minimum: number = MIN_REPLICAS[environment],
): StackViolation[] {
  const out: StackViolation[] = [];
  const workloads = workloadsOf(resources);
  for (const w of workloads) {
    // A canary runs on top of its stable Deployment, and an abort scales it to zero: the stable
    // Deployment must meet the minimum on its own, and is checked for it; the canary is not.
    if (stablePartnerOf(w, workloads) !== undefined) continue;
    const floor = replicaFloor(w);
    if (floor >= minimum) continue;
    const who = subject(w.resource.type, w.resource.name);
    if (w.autoscalers.length > 0) {
      const hpa = w.autoscalers.find((a) => (autoscalerSpec(a).minReplicas ?? 1) === floor)!;
      out.push({
        urn: w.resource.urn,
        message: `${who} is scaled by HorizontalPodAutoscaler "${hpa.name}" down to ${plural(floor)}; ${environment} needs at least ${minimum}: set the autoscaler's minReplicas to ${minimum} or more`,
      });
    } else {
      const set = w.spec.replicas !== undefined;
      out.push({
        urn: w.resource.urn,
        message: `${who} runs ${plural(floor)}${set ? "" : " (spec.replicas is not set)"}; ${environment} needs at least ${minimum}: set spec.replicas to ${minimum} or more, or let a HorizontalPodAutoscaler with minReplicas ${minimum} or more own it`,
      });
    }
  }
  return out;
}

/** Policy: enough replicas for the environment (dev 1, staging 2, prod 3), counting autoscalers. */
export const minimumReplicasPolicy = stackPolicy(
  {
    name: MINIMUM_REPLICAS,
    description:
      "Deployments and StatefulSets run at least the environment's minimum of pods (dev 1, staging 2, prod 3), counting an autoscaler's minReplicas.",
    configSchema: {
      properties: {
        environment: ENVIRONMENT_PROPERTY,
        minimum: {
          type: "integer",
          minimum: 1,
          description: "Overrides the environment's minimum number of replicas.",
        },
      },
    },
  },
  (resources, ctx) => {
    const minimum = ctx.config.minimum;
    return checkMinimumReplicas(
      resources,
      ctx.environment,
      typeof minimum === "number" ? minimum : undefined,
    );
  },
);
