import { ENVIRONMENT_SCHEMA, type Environment } from "../config";
import { TYPES } from "../k8s";
import { resourcePolicy } from "../wiring";

/** Name of the rule. */
export const NO_BARE_PODS = "no-bare-pods";

/**
 * Checks for a bare Pod outside dev: nothing recreates it when its node drains or it is evicted,
 * and changing it means deleting it first.
 */
export function checkBarePod(environment: Environment): string[] {
  return environment === "dev"
    ? []
    : [
        `is a bare Pod in ${environment}: nothing recreates it when its node is drained or it is evicted; run it from a Deployment (or a StatefulSet) instead`,
      ];
}

/** Policy: no bare Pods outside dev. */
export const noBarePodsPolicy = resourcePolicy(
  {
    name: NO_BARE_PODS,
    description: "Outside dev, pods are run by a Deployment or StatefulSet, never declared bare.",
    configSchema: ENVIRONMENT_SCHEMA,
  },
  (type) => type === TYPES.pod,
  (_obj, ctx) => checkBarePod(ctx.environment),
);
