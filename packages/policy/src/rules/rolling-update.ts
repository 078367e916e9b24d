import { TYPES, type WorkloadSpec } from "../k8s";
import { resourcePolicy } from "../wiring";

/** Name of the rule. */
export const ROLLING_UPDATE = "rolling-update";

/** Kubernetes' default for both maxSurge and maxUnavailable when a Deployment sets neither. */
const K8S_DEFAULT = "25%";

/** Whether an int-or-percent is zero (`0`, `"0"`, `"0%"`). */
function isZero(v: number | string): boolean {
  return typeof v === "number" ? v === 0 : /^0+%?$/.test(v.trim());
}

/** Whether a maxSurge lets at least one extra pod start (percentages round up, so any above 0%). */
function allowsOnePod(v: number | string): boolean {
  if (typeof v === "number") return v >= 1;
  const m = /^(\d+)(%?)$/.exec(v.trim());
  return m !== null && Number(m[1]) >= 1;
}

const show = (v: number | string | undefined) =>
  v === undefined ? `not set (Kubernetes defaults it to "${K8S_DEFAULT}")` : JSON.stringify(v);

/**
 * Checks a Deployment's rollout strategy: RollingUpdate with `maxUnavailable` 0 and `maxSurge` at
 * least one pod. A missing strategy means Kubernetes' 25%/25%, which drops capacity.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment
 */
export function checkRollingUpdate(spec: WorkloadSpec | undefined): string[] {
  const strategy = spec?.strategy;
  if (strategy?.type === "Recreate") {
    return [
      'spec.strategy.type is "Recreate", which stops every old pod before starting new ones: use type RollingUpdate with maxUnavailable 0 and maxSurge 1',
    ];
  }
  const out: string[] = [];
  const ru = strategy?.rollingUpdate;
  const maxUnavailable = ru?.maxUnavailable;
  const maxSurge = ru?.maxSurge;
  if (!isZero(maxUnavailable ?? K8S_DEFAULT)) {
    out.push(
      `spec.strategy.rollingUpdate.maxUnavailable is ${show(maxUnavailable)}: set it to 0 so a rollout never drops below the desired number of ready pods`,
    );
  }
  if (!allowsOnePod(maxSurge ?? K8S_DEFAULT)) {
    out.push(
      `spec.strategy.rollingUpdate.maxSurge is ${show(maxSurge)}: set it to 1 or more so new pods start before old ones stop`,
    );
  }
  return out;
}

/** Policy: Deployments roll out with maxUnavailable 0 and maxSurge >= 1. */
export const rollingUpdatePolicy = resourcePolicy(
  {
    name: ROLLING_UPDATE,
    description:
      "Deployments use a RollingUpdate with maxUnavailable 0 and maxSurge of at least one pod, so capacity never drops during a rollout.",
  },
  (type) => type === TYPES.deployment,
  (obj) => checkRollingUpdate(obj.spec as WorkloadSpec | undefined),
);
