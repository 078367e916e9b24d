import {
  isAutoscalerType,
  kindOf,
  sameNamespace,
  selectorMatches,
  TYPES,
  type ObjectMeta,
  type StringMap,
  type WorkloadSpec,
} from "./k8s";
import type { PlainResource } from "./wiring";

/** The fields of a HorizontalPodAutoscaler (any version) the rules read. */
export interface AutoscalerSpec {
  readonly minReplicas?: number;
  readonly maxReplicas?: number;
  readonly scaleTargetRef?: { readonly kind?: string; readonly name?: string };
}

/** A Deployment or StatefulSet of the stack, with the autoscalers that scale it. */
export interface Workload {
  readonly resource: PlainResource;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  readonly spec: WorkloadSpec;
  /** Labels of its pods. */
  readonly podLabels: StringMap;
  /** HorizontalPodAutoscalers whose scaleTargetRef names it. */
  readonly autoscalers: readonly PlainResource[];
}

/** Kubernetes' default `spec.replicas` and HPA `minReplicas`. */
const DEFAULT_REPLICAS = 1;

/** The spec of an autoscaler resource. */
export function autoscalerSpec(r: PlainResource): AutoscalerSpec {
  return (r.props.spec ?? {}) as AutoscalerSpec;
}

/** The Deployments and StatefulSets of a stack, each with the autoscalers that target it. */
export function workloadsOf(resources: readonly PlainResource[]): Workload[] {
  const autoscalers = resources.filter((r) => isAutoscalerType(r.type));
  return resources
    .filter((r) => r.type === TYPES.deployment || r.type === TYPES.statefulSet)
    .map((resource) => {
      const kind = kindOf(resource.type);
      const metadata = resource.props.metadata ?? {};
      const spec = (resource.props.spec ?? {}) as WorkloadSpec;
      return {
        resource,
        kind,
        metadata,
        spec,
        podLabels: spec.template?.metadata?.labels ?? {},
        autoscalers: autoscalers.filter((a) => {
          const ref = autoscalerSpec(a).scaleTargetRef;
          return (
            ref?.kind === kind &&
            ref.name !== undefined &&
            ref.name === metadata.name &&
            sameNamespace(a.props.metadata, metadata)
          );
        }),
      };
    });
}

/**
 * The fewest pods a workload runs: the smallest `minReplicas` of its autoscalers, or
 * `spec.replicas` (Kubernetes' default 1 when unset).
 */
export function replicaFloor(w: Workload): number {
  if (w.autoscalers.length > 0) {
    return Math.min(...w.autoscalers.map((a) => autoscalerSpec(a).minReplicas ?? DEFAULT_REPLICAS));
  }
  return w.spec.replicas ?? DEFAULT_REPLICAS;
}

/** The most pods a workload runs: the largest `maxReplicas` of its autoscalers, or `spec.replicas`. */
export function replicaCeiling(w: Workload): number {
  if (w.autoscalers.length > 0) {
    return Math.max(...w.autoscalers.map((a) => autoscalerSpec(a).maxReplicas ?? DEFAULT_REPLICAS));
  }
  return w.spec.replicas ?? DEFAULT_REPLICAS;
}

/** `{"a":"b","c":"d"}` as `a=b,c=d`, the way kubectl shows selectors. */
export function formatLabels(labels: StringMap): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

/**
 * Label that marks the pods of a canary Deployment (value {@link CANARY_TRACK_VALUE}), as
 * @steady/deployment's canary mode sets it; the stable pods of the app do not carry it.
 */
export const TRACK_LABEL = "steady.dev/track";
/** Value of {@link TRACK_LABEL} on canary pods. */
export const CANARY_TRACK_VALUE = "canary";

/**
 * The stable workload a canary workload runs next to, when `w` is one: a workload of the same
 * kind and namespace whose own pods are not canaries and whose selector also selects the
 * canary's pods (so a Service or budget over the app covers both). Undefined for a workload
 * that is not a canary, or a canary without its stable partner, which is judged on its own.
 */
export function stablePartnerOf(w: Workload, all: readonly Workload[]): Workload | undefined {
  if (w.podLabels[TRACK_LABEL] !== CANARY_TRACK_VALUE) return undefined;
  return all.find(
    (s) =>
      s !== w &&
      s.kind === w.kind &&
      s.podLabels[TRACK_LABEL] !== CANARY_TRACK_VALUE &&
      sameNamespace(s.metadata, w.metadata) &&
      selectorMatches(s.spec.selector, w.podLabels),
  );
}
