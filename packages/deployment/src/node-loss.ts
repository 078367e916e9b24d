import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/**
 * The taints the node lifecycle controller puts on a node that stopped reporting (`unreachable`,
 * Ready condition Unknown) or reports NotReady (`not-ready`), both with effect `NoExecute`: a pod
 * that does not tolerate them is evicted, one that tolerates them for N seconds is evicted N
 * seconds later.
 * @see https://kubernetes.io/docs/reference/labels-annotations-taints/#node-kubernetes-io-unreachable
 */
export const NODE_LOSS_TAINT_KEYS = [
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
] as const;

type Toleration = pulumi.Input<k8s.types.input.core.v1.Toleration>;

/**
 * Whether a toleration given by the caller already decides how long pods stay on a lost node for
 * taint `key`: it names the key (or is a key-less `Exists`, which matches every taint) and
 * applies to `NoExecute` (or to every effect). A toleration that is an Output, or whose key or
 * effect is, cannot be read before deployment and never counts.
 */
function covers(t: Toleration, key: string): boolean {
  if (typeof t !== "object" || t === null || pulumi.Output.isInstance(t)) return false;
  const tol = t as Record<string, unknown>;
  const effectMatches = tol.effect === undefined || tol.effect === "" || tol.effect === "NoExecute";
  const keyless = (tol.key === undefined || tol.key === "") && tol.operator === "Exists";
  return effectMatches && (tol.key === key || keyless);
}

/**
 * The pod's tolerations: the caller's, in their order (so validation paths keep their indices),
 * then one `NoExecute` toleration of `seconds` for each node-loss taint the caller's do not cover.
 * Without this, the DefaultTolerationSeconds admission plugin adds 300 s for both.
 */
export function withNodeLossTolerations(
  given: readonly Toleration[] | undefined,
  seconds: number,
): Toleration[] {
  const own = [...(given ?? [])];
  const defaults = NODE_LOSS_TAINT_KEYS.filter((key) => !own.some((t) => covers(t, key))).map(
    (key): k8s.types.input.core.v1.Toleration => ({
      key,
      operator: "Exists",
      effect: "NoExecute",
      tolerationSeconds: seconds,
    }),
  );
  return [...own, ...defaults];
}
