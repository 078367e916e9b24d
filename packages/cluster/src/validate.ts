import {
  Problems,
  checkIntRange,
  checkLabels,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelValue,
  parseQuantity,
} from "@steady/core";
import { CLUSTER_DEFAULTS, QUOTA_PRESETS } from "./defaults";
import { simulatedNodeName } from "./manifests";
import type { ClusterArgs, SimulatedNodesArgs } from "./types";

function checkQuantity(problems: Problems, path: string, q: string | undefined): void {
  if (q === undefined) return;
  const v = parseQuantity(q);
  problems.check(
    v !== undefined && v > 0,
    path,
    `${JSON.stringify(q)} is not a positive Kubernetes quantity (e.g. "500m", "4", "8Gi")`,
  );
}

/** Name of the node pool a Cluster creates; node names default to `<pool>-<n>`. */
export function nodePoolName(clusterName: string): string {
  return `${clusterName}-nodes`;
}

/** Checks simulated node pool args; paths are relative to the pool args. */
export function validateSimulatedNodesArgs(name: string, args: SimulatedNodesArgs): Problems {
  const problems = new Problems();
  checkIntRange(problems, "count", args.count, 1, 1000);
  if (args.count === undefined)
    problems.add("count", "is required: how many nodes to simulate (1 to 1000)");
  const zones = args.zones ?? CLUSTER_DEFAULTS.simulatedNodes.zones;
  problems.check(zones.length > 0, "zones", "must list at least one zone");
  zones.forEach((z, i) =>
    problems.check(
      z.length > 0 && isLabelValue(z),
      `zones[${i}]`,
      `${JSON.stringify(z)} cannot be a zone label value: expected at most 63 alphanumerics, with "-", "_" or "." inside`,
    ),
  );
  problems.check(new Set(zones).size === zones.length, "zones", "lists a zone twice");
  if (args.region !== undefined)
    problems.check(
      args.region.length > 0 && isLabelValue(args.region),
      "region",
      `${JSON.stringify(args.region)} cannot be a label value`,
    );
  // The longest name is the last node's.
  const longest = simulatedNodeName(name, args, Math.max(args.count ?? 1, 1) - 1);
  problems.check(
    isDns1123Subdomain(longest) && isLabelValue(longest),
    args.namePrefix === undefined ? "name" : "namePrefix",
    `${JSON.stringify(args.namePrefix ?? name)} cannot prefix node names: expected lowercase alphanumerics and "-", short enough for "<prefix>-<n>" to fit in 63 characters`,
  );
  checkQuantity(problems, "capacity.cpu", args.capacity?.cpu);
  checkQuantity(problems, "capacity.memory", args.capacity?.memory);
  checkIntRange(problems, "capacity.pods", args.capacity?.pods, 1, 10000);
  checkLabels(problems, "labels", args.labels);
  return problems;
}

/** Checks {@link ClusterArgs} and returns every problem (empty when valid). Pure. */
export function validateClusterArgs(name: string, args: ClusterArgs): Problems {
  const problems = new Problems();
  const qps = args.kubeClientSettings?.qps;
  problems.check(
    qps === undefined || (typeof qps === "number" && qps > 0 && qps <= 100000),
    "kubeClientSettings.qps",
    `${JSON.stringify(qps)} is out of range: expected a number of queries per second above 0, at most 100000`,
  );
  checkIntRange(problems, "kubeClientSettings.burst", args.kubeClientSettings?.burst, 1, 100000);
  if (args.namespace !== undefined) {
    problems.check(
      isDns1123Label(args.namespace),
      "namespace",
      `${JSON.stringify(args.namespace)} is not a valid namespace name: expected an RFC 1123 label (lowercase alphanumerics and "-", at most 63, starting and ending alphanumeric)`,
    );
  }
  if (args.environment !== undefined) {
    problems.check(
      args.environment.length > 0 && isLabelValue(args.environment),
      "environment",
      `${JSON.stringify(args.environment)} cannot be a label value: expected 1 to 63 alphanumerics, with "-", "_" or "." inside`,
    );
  }
  if (args.podSecurity !== undefined) {
    problems.check(
      ["restricted", "baseline", "privileged"].includes(args.podSecurity),
      "podSecurity",
      `${JSON.stringify(args.podSecurity)} is not a Pod Security level: expected "restricted", "baseline" or "privileged"`,
    );
  }
  const q = args.quota;
  if (typeof q === "string") {
    problems.check(
      Object.hasOwn(QUOTA_PRESETS, q),
      "quota",
      `${JSON.stringify(q)} is not a quota preset: expected ${Object.keys(QUOTA_PRESETS)
        .map((k) => JSON.stringify(k))
        .join(", ")}, an object with numbers, or false`,
    );
  } else if (q) {
    checkQuantity(problems, "quota.requestsCpu", q.requestsCpu);
    checkQuantity(problems, "quota.requestsMemory", q.requestsMemory);
    checkQuantity(problems, "quota.limitsMemory", q.limitsMemory);
    checkIntRange(problems, "quota.pods", q.pods, 1, 100000);
    for (const k of ["requestsCpu", "requestsMemory", "limitsMemory", "pods"] as const) {
      if (q[k] === undefined) problems.add(`quota.${k}`, "is required when quota is an object");
    }
  }
  if (args.limitRange) {
    checkQuantity(problems, "limitRange.defaultRequest.cpu", args.limitRange.defaultRequest?.cpu);
    checkQuantity(
      problems,
      "limitRange.defaultRequest.memory",
      args.limitRange.defaultRequest?.memory,
    );
    checkQuantity(problems, "limitRange.defaultLimit.cpu", args.limitRange.defaultLimit?.cpu);
    checkQuantity(problems, "limitRange.defaultLimit.memory", args.limitRange.defaultLimit?.memory);
  }
  checkLabels(problems, "labels", args.labels);
  if (args.simulatedNodes)
    problems.merge(
      validateSimulatedNodesArgs(nodePoolName(name), args.simulatedNodes).list,
      "simulatedNodes",
    );
  return problems;
}
