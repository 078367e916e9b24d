/**
 * The taints the node lifecycle controller puts on a node that stopped reporting (`unreachable`,
 * Ready condition Unknown) or reports NotReady (`not-ready`), both with effect `NoExecute`: a pod
 * that does not tolerate them is evicted, one that tolerates them for N seconds is evicted N
 * seconds later.
 * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
 * @see https://kubernetes.io/docs/reference/labels-annotations-taints/#node-kubernetes-io-unreachable
 */
export const NODE_LOSS_TAINT_KEYS = [
  "node.kubernetes.io/not-ready",
  "node.kubernetes.io/unreachable",
] as const;

/** The fields of a toleration that decide which taints it matches, as plain values. */
export interface TolerationMatch {
  readonly key?: unknown;
  readonly operator?: unknown;
  readonly effect?: unknown;
}

/**
 * Whether toleration `t` matches the `NoExecute` taint `key`, as the taint eviction controller
 * decides it: it names the key (or is a key-less `Exists`, which matches every taint) and applies
 * to `NoExecute` (or, with no effect, to every effect).
 */
export function toleratesNoExecute(t: TolerationMatch, key: string): boolean {
  const effectMatches = t.effect === undefined || t.effect === "" || t.effect === "NoExecute";
  const keyless = (t.key === undefined || t.key === "") && t.operator === "Exists";
  return effectMatches && (t.key === key || keyless);
}
