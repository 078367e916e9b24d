import { labelsInclude, sameNamespace, TYPES, type StringMap } from "../k8s";
import { stackPolicy, subject, type PlainResource, type StackViolation } from "../wiring";
import { formatLabels, workloadsOf } from "../workloads";

/** Name of the rule. */
export const SERVICE_SELECTOR = "service-selector";

/**
 * Finds every Service with a selector that matches the pods of no Deployment, StatefulSet or Pod
 * of the stack in its namespace: such a Service has no endpoints. Services without a selector
 * (ExternalName, hand-managed endpoints) are left alone.
 * @see https://kubernetes.io/docs/concepts/services-networking/service/
 */
export function checkServiceSelectors(resources: readonly PlainResource[]): StackViolation[] {
  const pods: { metadata: PlainResource["props"]["metadata"]; labels: StringMap }[] = [
    ...workloadsOf(resources).map((w) => ({ metadata: w.metadata, labels: w.podLabels })),
    ...resources
      .filter((r) => r.type === TYPES.pod)
      .map((r) => ({ metadata: r.props.metadata, labels: r.props.metadata?.labels ?? {} })),
  ];
  const out: StackViolation[] = [];
  for (const s of resources.filter((r) => r.type === TYPES.service)) {
    const selector = (s.props.spec as { selector?: StringMap } | undefined)?.selector ?? {};
    if (Object.keys(selector).length === 0) continue;
    const matched = pods.some(
      (p) => sameNamespace(p.metadata, s.props.metadata) && labelsInclude(p.labels, selector),
    );
    if (matched) continue;
    out.push({
      urn: s.urn,
      message: `${subject(s.type, s.name)} selects ${formatLabels(selector)} but no Deployment, StatefulSet or Pod in its namespace has pods with those labels: make the selector a subset of the pod template labels, or the Service has no endpoints`,
    });
  }
  return out;
}

/** Policy: every Service selector matches some workload's pods. */
export const serviceSelectorPolicy = stackPolicy(
  {
    name: SERVICE_SELECTOR,
    description:
      "Every Service selector matches the pod template labels of a Deployment, StatefulSet or Pod in the same namespace.",
  },
  (resources) => checkServiceSelectors(resources),
);
