import type * as pulumi from "@pulumi/pulumi";
import type { QUOTA_PRESETS } from "./defaults";

/** Namespace ResourceQuota numbers. @see https://kubernetes.io/docs/concepts/policy/resource-quotas/ */
export interface QuotaArgs {
  /** Sum of CPU requests, e.g. "8". */
  readonly requestsCpu: string;
  /** Sum of memory requests, e.g. "16Gi". */
  readonly requestsMemory: string;
  /** Sum of memory limits, e.g. "32Gi". */
  readonly limitsMemory: string;
  /** Number of pods (count surge pods of rollouts in). */
  readonly pods: number;
}

/** Requests and limits containers get when they declare none. @see https://kubernetes.io/docs/concepts/policy/limit-range/ */
export interface LimitRangeArgs {
  /** Default requests. @default { cpu: "50m", memory: "64Mi" } */
  readonly defaultRequest?: { readonly cpu?: string; readonly memory?: string };
  /** Default limits. @default { memory: "256Mi" } */
  readonly defaultLimit?: { readonly cpu?: string; readonly memory?: string };
}

/**
 * Node objects for a local cluster whose nodes are simulated (by kwok): they are scheduled onto
 * and report Ready, so topology spread and rollouts can be exercised without real machines.
 */
export interface SimulatedNodesArgs {
  /** Number of nodes, spread round-robin over `zones`. */
  readonly count: number;
  /** Zone names (`topology.kubernetes.io/zone`). @default ["zone-a", "zone-b", "zone-c"] */
  readonly zones?: readonly string[];
  /** Region name (`topology.kubernetes.io/region`). @default "local" */
  readonly region?: string;
  /** Prefix of node names: `<prefix>-<n>`. @default - the component name */
  readonly namePrefix?: string;
  /** Capacity of each node. @default { cpu: "8", memory: "32Gi", pods: 110 } */
  readonly capacity?: { readonly cpu?: string; readonly memory?: string; readonly pods?: number };
  /** Extra labels on each node. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}

/** Arguments of a {@link Cluster}. */
export interface ClusterArgs {
  /**
   * Kubeconfig contents for the provider. Stored as a secret.
   * @default - the ambient configuration (KUBECONFIG or ~/.kube/config)
   */
  readonly kubeconfig?: pulumi.Input<string>;
  /** Kubeconfig context to use. @default - the kubeconfig's current context */
  readonly context?: pulumi.Input<string>;
  /**
   * Name of the environment's namespace.
   * @default - auto-named from the component name
   */
  readonly namespace?: string;
  /** Environment name, recorded as the `steady.dev/environment` label. @default - none */
  readonly environment?: string;
  /**
   * Pod Security Admission level enforced on the namespace.
   * @default "restricted"
   * @see https://kubernetes.io/docs/concepts/security/pod-security-admission/
   */
  readonly podSecurity?: "restricted" | "baseline" | "privileged";
  /** ResourceQuota: a preset name, numbers, or `false` for none. @default "medium" */
  readonly quota?: keyof typeof QUOTA_PRESETS | QuotaArgs | false;
  /** LimitRange defaults, or `false` for none. @default - see {@link LimitRangeArgs} */
  readonly limitRange?: LimitRangeArgs | false;
  /**
   * Deny ingress from outside the namespace (default-deny plus allow-from-same-namespace).
   * @default true
   */
  readonly networkPolicy?: boolean;
  /** Simulated nodes to create; leave out on a cluster with real nodes. @default - none */
  readonly simulatedNodes?: SimulatedNodesArgs;
  /**
   * Use server-side apply, so field ownership is tracked and other controllers' fields survive.
   * @default true
   */
  readonly enableServerSideApply?: boolean;
  /**
   * The provider's API client limits (its `kubeClientSettings`). Given in the provider's config
   * they win over PULUMI_K8S_CLIENT_QPS / _BURST in the environment (the provider reads those
   * only for a field its config leaves out).
   * @default { qps: 500, burst: 1000 }
   */
  readonly kubeClientSettings?: { readonly qps?: number; readonly burst?: number };
  /** Extra labels on the namespace. @default - none */
  readonly labels?: Readonly<Record<string, string>>;
}
