import { stackPolicy, subject, type PlainResource, type StackViolation } from "../wiring";
import { workloadsOf, type Workload } from "../workloads";

/** Name of the rule. */
export const AUTOSCALER_OWNS_REPLICAS = "autoscaler-owns-replicas";

/**
 * Whether the program (rather than the API server's defaulting or the autoscaler) set
 * `spec.replicas`. Stack rules see the objects as the provider reports them: after a server
 * round trip (an update, or a server-side dry run in preview) `spec.replicas` is always there, so
 * the Pulumi field manager's entry in `managedFields` tells who set it. Without `managedFields`
 * the object is the program's input, and the field itself tells.
 */
export function programSetsReplicas(w: Workload): boolean {
  const managed = w.metadata.managedFields;
  if (!Array.isArray(managed) || managed.length === 0) return w.spec.replicas !== undefined;
  return managed.some(
    (m) =>
      typeof m.manager === "string" &&
      m.manager.startsWith("pulumi") &&
      (m.subresource ?? "") === "" &&
      m.fieldsV1?.["f:spec"]?.["f:replicas"] !== undefined,
  );
}

/**
 * Finds every Deployment and StatefulSet that sets `spec.replicas` while an autoscaler scales it:
 * each `pulumi up` would reset the autoscaler's choice (and under server-side apply the two
 * managers fight over the field).
 */
export function checkAutoscalerOwnsReplicas(resources: readonly PlainResource[]): StackViolation[] {
  return workloadsOf(resources)
    .filter((w) => w.autoscalers.length > 0 && programSetsReplicas(w))
    .map((w) => ({
      urn: w.resource.urn,
      message: `${subject(w.resource.type, w.resource.name)} sets spec.replicas but HorizontalPodAutoscaler "${w.autoscalers[0]!.name}" owns the replica count: remove spec.replicas, or every pulumi up resets the autoscaler's choice`,
    }));
}

/** Policy: no `spec.replicas` on a workload an autoscaler scales. */
export const autoscalerOwnsReplicasPolicy = stackPolicy(
  {
    name: AUTOSCALER_OWNS_REPLICAS,
    description:
      "A Deployment or StatefulSet scaled by a HorizontalPodAutoscaler leaves spec.replicas unset.",
  },
  (resources) => checkAutoscalerOwnsReplicas(resources),
);
