/**
 * The parts of Kubernetes objects the rules read, as plain data. Every field is optional: the
 * rules see whatever a program gave, in any shape, and must not assume the API server's defaults
 * were applied.
 * @see https://kubernetes.io/docs/reference/kubernetes-api/
 */

/** Labels or annotations. */
export type StringMap = Readonly<Record<string, string>>;

/** One entry of `metadata.managedFields`: which field manager owns which fields. */
export interface ManagedFieldsEntry {
  readonly manager?: string;
  readonly operation?: string;
  readonly subresource?: string;
  readonly fieldsV1?: { readonly "f:spec"?: Readonly<Record<string, unknown>> };
}

/** `metadata` of any object. */
export interface ObjectMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly labels?: StringMap;
  readonly annotations?: StringMap;
  /** Present on objects the API server returned (server-side apply bookkeeping). */
  readonly managedFields?: readonly ManagedFieldsEntry[];
}

/** A label selector. @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors */
export interface LabelSelector {
  readonly matchLabels?: StringMap;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: string;
    readonly values?: readonly string[];
  }[];
}

/** A lifecycle handler (preStop). */
export interface LifecycleHandler {
  readonly sleep?: { readonly seconds?: number };
  readonly exec?: { readonly command?: readonly string[] };
  readonly httpGet?: unknown;
  readonly tcpSocket?: unknown;
}

/** Security settings of a container. */
export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly allowPrivilegeEscalation?: boolean;
  readonly privileged?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: { readonly drop?: readonly string[]; readonly add?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
}

/** A container. */
export interface Container {
  readonly name?: string;
  readonly image?: string;
  readonly ports?: readonly { readonly containerPort?: number; readonly name?: string }[];
  readonly readinessProbe?: unknown;
  readonly resources?: {
    readonly requests?: Readonly<Record<string, string | number>>;
    readonly limits?: Readonly<Record<string, string | number>>;
  };
  readonly lifecycle?: { readonly preStop?: LifecycleHandler };
  readonly securityContext?: SecurityContext;
  readonly envFrom?: readonly { readonly configMapRef?: { readonly name?: string } }[];
  readonly env?: readonly {
    readonly valueFrom?: { readonly configMapKeyRef?: { readonly name?: string } };
  }[];
}

/** A volume; only the sources that can name a ConfigMap matter here. */
export interface Volume {
  readonly name?: string;
  readonly configMap?: { readonly name?: string };
  readonly projected?: {
    readonly sources?: readonly { readonly configMap?: { readonly name?: string } }[];
  };
}

/** A toleration of a pod spec. */
export interface Toleration {
  readonly key?: string;
  readonly operator?: string;
  readonly value?: string;
  readonly effect?: string;
  readonly tolerationSeconds?: number;
}

/** A pod spec. */
export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly volumes?: readonly Volume[];
  readonly terminationGracePeriodSeconds?: number;
  readonly automountServiceAccountToken?: boolean;
  readonly tolerations?: readonly Toleration[];
  readonly securityContext?: {
    readonly runAsNonRoot?: boolean;
    readonly runAsUser?: number;
    readonly seccompProfile?: { readonly type?: string };
  };
}

/** A pod template. */
export interface PodTemplate {
  readonly metadata?: ObjectMeta;
  readonly spec?: PodSpec;
}

/** The spec of a Deployment (and the fields a StatefulSet shares with it). */
export interface WorkloadSpec {
  readonly replicas?: number;
  readonly selector?: LabelSelector;
  readonly strategy?: {
    readonly type?: string;
    readonly rollingUpdate?: {
      readonly maxSurge?: number | string;
      readonly maxUnavailable?: number | string;
    };
  };
  readonly minReadySeconds?: number;
  readonly progressDeadlineSeconds?: number;
  readonly template?: PodTemplate;
}

/** Any object as a program declares it: metadata plus whatever else. */
export interface KubeObject {
  readonly metadata?: ObjectMeta;
  readonly spec?: unknown;
  readonly [field: string]: unknown;
}

/** Pulumi type tokens of the kinds the rules look at. */
export const TYPES = {
  deployment: "kubernetes:apps/v1:Deployment",
  statefulSet: "kubernetes:apps/v1:StatefulSet",
  pod: "kubernetes:core/v1:Pod",
  service: "kubernetes:core/v1:Service",
  configMap: "kubernetes:core/v1:ConfigMap",
  podDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
} as const;

/** Whether `type` is a HorizontalPodAutoscaler of any API version (v1, v2, v2beta2). */
export function isAutoscalerType(type: string): boolean {
  return /^kubernetes:autoscaling\/[^:]+:HorizontalPodAutoscaler$/.test(type);
}

/** Whether `type` belongs to the Kubernetes provider (its objects and components). */
export function isKubernetesType(type: string): boolean {
  return type.startsWith("kubernetes:");
}

/** The Kind part of a type token: `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function kindOf(type: string): string {
  return type.slice(type.lastIndexOf(":") + 1);
}

/** The containers and init containers of a pod spec, in order. */
export function allContainers(pod: PodSpec | undefined): readonly Container[] {
  return [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])];
}

/** How a container is named in messages: `container "app"`, or its position when unnamed. */
export function containerLabel(c: Container, index: number, init = false): string {
  const what = init ? "init container" : "container";
  return c.name !== undefined ? `${what} "${c.name}"` : `${what} #${index + 1}`;
}

/** Whether a container serves a port (has at least one declared port). */
export function servesPorts(c: Container): boolean {
  return (c.ports ?? []).length > 0;
}

/**
 * Whether a label selector selects an object with `labels`. A missing selector selects nothing;
 * an empty one (`{}`) selects everything, as for a policy/v1 PodDisruptionBudget.
 */
export function selectorMatches(selector: LabelSelector | undefined, labels: StringMap): boolean {
  if (selector === undefined || selector === null) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case "In":
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case "NotIn":
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case "Exists":
        if (!has) return false;
        break;
      case "DoesNotExist":
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Whether every entry of `subset` is in `labels` (a Service selector against pod labels). */
export function labelsInclude(labels: StringMap, subset: StringMap): boolean {
  return Object.entries(subset).every(([k, v]) => labels[k] === v);
}

/**
 * Whether two objects are in the same namespace. An unset namespace means "the provider's
 * default", which the policy cannot see, so it matches any namespace rather than raise a false
 * alarm.
 */
export function sameNamespace(a: ObjectMeta | undefined, b: ObjectMeta | undefined): boolean {
  const x = a?.namespace;
  const y = b?.namespace;
  return x === undefined || y === undefined || x === "" || y === "" || x === y;
}
