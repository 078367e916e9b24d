import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { NODE_LOSS_TAINT_KEYS, toleratesNoExecute } from "@steady/core";

/** The node-loss taint keys, from `@steady/core` (re-exported for existing imports). */
export { NODE_LOSS_TAINT_KEYS };

type Toleration = pulumi.Input<k8s.types.input.core.v1.Toleration>;

/**
 * Whether a toleration given by the caller already decides how long pods stay on a lost node for
 * taint `key` (see `toleratesNoExecute`). A toleration that is an Output, or whose key or effect
 * is, cannot be read before deployment and never counts.
 */
function covers(t: Toleration, key: string): boolean {
  if (typeof t !== "object" || t === null || pulumi.Output.isInstance(t)) return false;
  return toleratesNoExecute(t as Record<string, unknown>, key);
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
