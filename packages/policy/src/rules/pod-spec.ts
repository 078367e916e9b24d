import { TYPES, type KubeObject, type PodSpec, type WorkloadSpec } from "../k8s";

/** Types whose objects carry a pod spec: Deployments, StatefulSets (in the template) and Pods. */
export const POD_TYPES: readonly string[] = [TYPES.deployment, TYPES.statefulSet, TYPES.pod];

/** Whether `type` carries a pod spec the pod rules check. */
export function hasPodSpec(type: string): boolean {
  return POD_TYPES.includes(type);
}

/** The pod spec of a Pod, or of a Deployment's or StatefulSet's pod template. */
export function podSpecOf(type: string, obj: KubeObject): PodSpec | undefined {
  if (type === TYPES.pod) return obj.spec as PodSpec | undefined;
  return (obj.spec as WorkloadSpec | undefined)?.template?.spec;
}
