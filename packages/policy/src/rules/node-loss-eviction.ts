import { NODE_LOSS_TAINT_KEYS, toleratesNoExecute } from "@steady/core";
import { ENVIRONMENT_PROPERTY } from "../config";
import { TYPES, type PodSpec } from "../k8s";
import { resourcePolicy } from "../wiring";
import { podSpecOf } from "./pod-spec";

/** Name of the rule. */
export const NODE_LOSS_EVICTION = "node-loss-eviction";

/**
 * The `NoExecute` taints of a lost node: `unreachable` when it stops reporting, `not-ready` when
 * it reports NotReady (`@steady/core`'s `NODE_LOSS_TAINT_KEYS`).
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
 */
export const NODE_LOSS_TAINTS: readonly string[] = NODE_LOSS_TAINT_KEYS;

/**
 * Seconds the `DefaultTolerationSeconds` admission plugin gives every pod without its own
 * toleration of the node-loss taints (kube-apiserver `--default-not-ready-toleration-seconds`,
 * `--default-unreachable-toleration-seconds`).
 */
export const CLUSTER_DEFAULT_TOLERATION_SECONDS = 300;

/** Longest node-loss toleration allowed unless the config says otherwise. */
export const DEFAULT_MAX_TOLERATION_SECONDS = 120;

/**
 * Seconds a pod stays on a node tainted `key` before eviction, as the taint eviction controller
 * computes it: the smallest `tolerationSeconds` of the matching tolerations; `undefined` when
 * none matches (admission then adds the cluster default), `Infinity` when the matching ones set
 * no seconds (the pod is never evicted).
 */
export function nodeLossSeconds(pod: PodSpec | undefined, key: string): number | undefined {
  const matching = (pod?.tolerations ?? []).filter((t) => toleratesNoExecute(t, key));
  if (matching.length === 0) return undefined;
  const seconds = matching.flatMap((t) =>
    typeof t.tolerationSeconds === "number" ? [Math.max(0, t.tolerationSeconds)] : [],
  );
  return seconds.length > 0 ? Math.min(...seconds) : Infinity;
}

/**
 * Checks that a pod leaves a lost node within `max` seconds of the node being marked, for both
 * node-loss taints. Until then its pods still count as replicas, so the app runs short.
 */
export function checkNodeLossEviction(pod: PodSpec | undefined, max: number): string[] {
  const fix = (key: string) =>
    `add the toleration { key: "${key}", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 } (AppDeployment sets it: nodeLossTolerationSeconds)`;
  return NODE_LOSS_TAINTS.flatMap((key) => {
    const s = nodeLossSeconds(pod, key);
    if (s === undefined)
      return [
        `pods have no NoExecute toleration of ${key}, so they keep the cluster default of ${CLUSTER_DEFAULT_TOLERATION_SECONDS} s and a lost node's pods are replaced only after ${CLUSTER_DEFAULT_TOLERATION_SECONDS} s more: ${fix(key)}`,
      ];
    if (s === Infinity)
      return [
        `pods tolerate ${key} without tolerationSeconds, so they are never evicted from a lost node: ${fix(key)}`,
      ];
    if (s > max)
      return [
        `pods tolerate ${key} for ${s} s, more than ${max} s, so a lost node's pods are replaced late: lower tolerationSeconds to ${max} or less (e.g. 30)`,
      ];
    return [];
  });
}

/** Policy: in prod, Deployments' pods leave a lost node within maxTolerationSeconds. */
export const nodeLossEvictionPolicy = resourcePolicy(
  {
    name: NODE_LOSS_EVICTION,
    description:
      "In prod, Deployments' pods tolerate the node-loss taints (not-ready, unreachable) for at most maxTolerationSeconds, instead of the cluster's 300 s default, so a lost node's pods are replaced quickly.",
    configSchema: {
      properties: {
        environment: ENVIRONMENT_PROPERTY,
        maxTolerationSeconds: {
          type: "integer",
          minimum: 0,
          default: DEFAULT_MAX_TOLERATION_SECONDS,
          description:
            "Longest node-loss toleration (tolerationSeconds of node.kubernetes.io/not-ready and unreachable) allowed in prod.",
        },
      },
    },
  },
  // StatefulSets are left out: their replacement waits until the old pod is confirmed gone, which
  // a lost node never confirms, so a shorter toleration does not bring them back sooner.
  (type) => type === TYPES.deployment,
  (obj, ctx) => {
    if (ctx.environment !== "prod") return [];
    const max = ctx.config.maxTolerationSeconds;
    return checkNodeLossEviction(
      podSpecOf(ctx.type, obj),
      typeof max === "number" ? max : DEFAULT_MAX_TOLERATION_SECONDS,
    );
  },
);
