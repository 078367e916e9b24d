import { sameNamespace, selectorMatches, TYPES, type LabelSelector } from "../k8s";
import { stackPolicy, subject, type PlainResource, type StackViolation } from "../wiring";
import { formatLabels, replicaCeiling, workloadsOf } from "../workloads";

/** Name of the rule. */
export const POD_DISRUPTION_BUDGET = "pod-disruption-budget";

/**
 * Finds every Deployment and StatefulSet that can run more than one pod (by `spec.replicas` or
 * its autoscaler's `maxReplicas`) and has no PodDisruptionBudget in its namespace whose selector
 * selects its pod template labels.
 * @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/
 */
export function checkPodDisruptionBudgets(resources: readonly PlainResource[]): StackViolation[] {
  const budgets = resources.filter((r) => r.type === TYPES.podDisruptionBudget);
  const out: StackViolation[] = [];
  for (const w of workloadsOf(resources)) {
    const most = replicaCeiling(w);
    if (most <= 1) continue;
    const covered = budgets.some(
      (b) =>
        sameNamespace(b.props.metadata, w.metadata) &&
        selectorMatches(
          (b.props.spec as { selector?: LabelSelector } | undefined)?.selector,
          w.podLabels,
        ),
    );
    if (covered) continue;
    out.push({
      urn: w.resource.urn,
      message: `${subject(w.resource.type, w.resource.name)} runs up to ${most} pods but no PodDisruptionBudget in its namespace selects them (pod labels ${formatLabels(w.podLabels) || "none"}): add one whose selector matches the pod template labels, with maxUnavailable 1, so node drains evict one pod at a time`,
    });
  }
  return out;
}

/** Policy: a PodDisruptionBudget for every multi-replica workload. */
export const podDisruptionBudgetPolicy = stackPolicy(
  {
    name: POD_DISRUPTION_BUDGET,
    description:
      "Every Deployment or StatefulSet that can run more than one pod has a PodDisruptionBudget in its namespace selecting its pods.",
  },
  (resources) => checkPodDisruptionBudgets(resources),
);
