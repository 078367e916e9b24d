import type * as k8s from "@pulumi/kubernetes";
import {
  CAPACITY_ANNOTATIONS,
  CLUSTER_DEFAULTS,
  QUOTA_PRESETS,
  SIMULATED_NODE_ANNOTATION,
  SIMULATED_NODE_LABEL,
} from "./defaults";
import type { ClusterArgs, QuotaArgs, SimulatedNodesArgs } from "./types";

type Meta = k8s.types.input.meta.v1.ObjectMeta;

/** Labels of the environment's namespace: Pod Security Admission at the chosen level, enforced, audited and warned. */
export function namespaceLabels(args: ClusterArgs): Record<string, string> {
  const level = args.podSecurity ?? CLUSTER_DEFAULTS.podSecurity;
  return {
    ...args.labels,
    "app.kubernetes.io/managed-by": "pulumi",
    ...(args.environment !== undefined ? { "steady.dev/environment": args.environment } : {}),
    "pod-security.kubernetes.io/enforce": level,
    "pod-security.kubernetes.io/enforce-version": "latest",
    "pod-security.kubernetes.io/audit": level,
    "pod-security.kubernetes.io/warn": level,
  };
}

/** The quota numbers for the args, or undefined for none. */
export function resolveQuota(args: ClusterArgs): QuotaArgs | undefined {
  const q = args.quota ?? CLUSTER_DEFAULTS.quota;
  if (q === false) return undefined;
  if (typeof q !== "string") return q;
  if (!Object.hasOwn(QUOTA_PRESETS, q))
    throw new Error(`unknown quota preset ${JSON.stringify(q)}`);
  return QUOTA_PRESETS[q];
}

/** The ResourceQuota spec: caps what the namespace's pods may request in total. */
export function quotaSpec(q: QuotaArgs): k8s.types.input.core.v1.ResourceQuotaSpec {
  return {
    hard: {
      "requests.cpu": q.requestsCpu,
      "requests.memory": q.requestsMemory,
      "limits.memory": q.limitsMemory,
      pods: String(q.pods),
    },
  };
}

/** The LimitRange spec: requests and limits for containers that declare none (a quota rejects those otherwise). */
export function limitRangeSpec(
  args: ClusterArgs,
): k8s.types.input.core.v1.LimitRangeSpec | undefined {
  if (args.limitRange === false) return undefined;
  const d = CLUSTER_DEFAULTS.limitRange;
  return {
    limits: [
      {
        type: "Container",
        defaultRequest: { ...d.defaultRequest, ...args.limitRange?.defaultRequest },
        default: { ...d.defaultLimit, ...args.limitRange?.defaultLimit },
      },
    ],
  };
}

/** NetworkPolicies: deny all ingress, then allow ingress from pods of the same namespace. */
export function networkPolicySpecs(): {
  denyAll: k8s.types.input.networking.v1.NetworkPolicySpec;
  sameNamespace: k8s.types.input.networking.v1.NetworkPolicySpec;
} {
  return {
    denyAll: { podSelector: {}, policyTypes: ["Ingress"] },
    sameNamespace: {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ from: [{ podSelector: {} }] }],
    },
  };
}

/** One simulated node: its name, zone, labels and the capacity it reports. */
export interface SimulatedNode {
  readonly name: string;
  readonly zone: string;
  readonly metadata: Meta & { name: string };
  /** Capacity (and allocatable) the node reports once the simulator initialises it. */
  readonly capacity: { readonly cpu: string; readonly memory: string; readonly pods: string };
}

/** Name of simulated node `i` of a pool: `<namePrefix>-<i>`, the prefix defaulting to the pool name. */
export function simulatedNodeName(poolName: string, args: SimulatedNodesArgs, i: number): string {
  return `${args.namePrefix ?? poolName}-${i}`;
}

/**
 * The simulated nodes, spread round-robin over the zones. Their names are chosen (nodes are
 * cluster-wide and named by their hostname); the annotation tells kwok to run them.
 */
export function simulatedNodes(poolName: string, args: SimulatedNodesArgs): SimulatedNode[] {
  const d = CLUSTER_DEFAULTS.simulatedNodes;
  const zones = args.zones ?? d.zones;
  const region = args.region ?? d.region;
  const capacity = { ...d.capacity, ...args.capacity };
  const resources = { cpu: capacity.cpu, memory: capacity.memory, pods: String(capacity.pods) };
  return Array.from({ length: args.count }, (_, i) => {
    const name = simulatedNodeName(poolName, args, i);
    const zone = zones[i % zones.length]!;
    return {
      name,
      zone,
      metadata: {
        name,
        annotations: {
          [SIMULATED_NODE_ANNOTATION]: "fake",
          "node.alpha.kubernetes.io/ttl": "0",
          [CAPACITY_ANNOTATIONS.cpu]: resources.cpu,
          [CAPACITY_ANNOTATIONS.memory]: resources.memory,
          [CAPACITY_ANNOTATIONS.pods]: resources.pods,
        },
        labels: {
          ...args.labels,
          "kubernetes.io/hostname": name,
          "kubernetes.io/os": "linux",
          "kubernetes.io/arch": "amd64",
          "node.kubernetes.io/instance-type": "simulated",
          "topology.kubernetes.io/region": region,
          "topology.kubernetes.io/zone": zone,
          [SIMULATED_NODE_LABEL]: "true",
          "app.kubernetes.io/managed-by": "pulumi",
        },
      },
      capacity: resources,
    };
  });
}
