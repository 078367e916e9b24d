import type { ObjectMeta } from "../k8s";
import { resourcePolicy } from "../wiring";

/** Name of the rule. */
export const NO_SKIP_AWAIT = "no-skip-await";

/** Annotation that makes the Kubernetes provider stop waiting for a resource to become ready. */
export const SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait";

/**
 * Annotation that replaces the Kubernetes provider's built-in readiness wait with the given
 * JSONPath or condition expressions. The provider uses its own wait only when no waitFor is set
 * (pulumi-kubernetes pkg/await/await.go: the built-in awaiter runs `if ... !custom`), so even a
 * waitFor that looks stricter drops the rollout checks.
 */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";

/**
 * Kinds for which the Kubernetes provider has a built-in readiness wait, with the API groups that
 * serve them (`core` for the core group); the kinds the rule's `kinds` config may name. From
 * the provider's table of awaiters (pulumi-kubernetes pkg/await/awaiters.go), kinds whose wait
 * reaches a workload's pods or traffic.
 */
export const PROVIDER_AWAITED_KINDS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ["apps", "extensions"],
  StatefulSet: ["apps"],
  DaemonSet: ["apps", "extensions"],
  Job: ["batch"],
  Pod: ["core"],
  ReplicationController: ["core"],
  Service: ["core"],
  Ingress: ["networking.k8s.io", "extensions"],
  PersistentVolumeClaim: ["core"],
  PersistentVolume: ["core"],
};

/** Defaults of the rule's config. */
export const NO_SKIP_AWAIT_DEFAULTS = {
  /**
   * Kinds whose own wait is what proves a rollout: pods of the new version Ready and available
   * (Deployment, StatefulSet, DaemonSet) or the run completed (Job), and `pulumi up` failing when
   * it stalls. A Service is not among them: its built-in wait only asks for endpoints, which
   * the wait of the workload behind it already proves (AppDeployment waits for a Service's
   * cluster IP only, for that reason).
   */
  kinds: ["Deployment", "StatefulSet", "DaemonSet", "Job"] as readonly string[],
};

/** The rule's config, as the policy pack config file gives it. */
export interface NoSkipAwaitConfig {
  /** Kinds that must keep the provider's wait. @default NO_SKIP_AWAIT_DEFAULTS.kinds */
  readonly kinds?: readonly string[];
}

/**
 * The kind a Pulumi type token names if the provider has a built-in wait for it, in any API
 * version of its groups; `<Kind>Patch` counts as the kind, because a Patch's annotations land on
 * the live object, whose wait the provider reads them from.
 */
export function awaitedKindOf(type: string): string | undefined {
  const m = /^kubernetes:([^/:]+)\/[^/:]+:([^/:]+)$/.exec(type);
  if (!m) return undefined;
  const [, group, name] = m;
  const kind = name!.replace(/Patch$/, "");
  return PROVIDER_AWAITED_KINDS[kind]?.includes(group!) ? kind : undefined;
}

/**
 * Checks that a workload does not skip the provider's readiness wait: without it, `pulumi up`
 * succeeds while the rollout may still fail.
 */
export function checkSkipAwait(metadata: ObjectMeta | undefined): string[] {
  const v = metadata?.annotations?.[SKIP_AWAIT_ANNOTATION];
  return typeof v === "string" && v.trim().toLowerCase() === "true"
    ? [
        `the ${SKIP_AWAIT_ANNOTATION} annotation is "${v}": remove it so pulumi up waits until the rollout is complete and healthy, and fails when it stalls`,
      ]
    : [];
}

/**
 * Checks that a workload does not replace the provider's readiness wait with a `waitFor`
 * expression (an empty value is no waitFor, as for the provider).
 */
export function checkWaitFor(metadata: ObjectMeta | undefined): string[] {
  const v = metadata?.annotations?.[WAIT_FOR_ANNOTATION];
  return typeof v === "string" && v !== ""
    ? [
        `the ${WAIT_FOR_ANNOTATION} annotation is "${v}": remove it; it replaces the provider's own wait for the rollout (new pods ready and available, failing when the rollout stalls), so pulumi up could succeed while the rollout fails`,
      ]
    : [];
}

/** Policy: the configured workload kinds keep the provider's readiness wait (no skipAwait, no waitFor). */
export const noSkipAwaitPolicy = resourcePolicy(
  {
    name: NO_SKIP_AWAIT,
    description: `Deployments, StatefulSets, DaemonSets and Jobs (configurable) keep the provider's readiness wait: no ${SKIP_AWAIT_ANNOTATION}, no ${WAIT_FOR_ANNOTATION}.`,
    configSchema: {
      properties: {
        kinds: {
          type: "array",
          items: { type: "string", enum: Object.keys(PROVIDER_AWAITED_KINDS) },
          uniqueItems: true,
          default: [...NO_SKIP_AWAIT_DEFAULTS.kinds],
          description:
            "Kinds that must keep the provider's readiness wait (neither skipAwait nor waitFor).",
        },
      },
    },
  },
  (type) => awaitedKindOf(type) !== undefined,
  (obj, ctx) => {
    const kinds = (ctx.config as NoSkipAwaitConfig).kinds ?? NO_SKIP_AWAIT_DEFAULTS.kinds;
    if (!kinds.includes(awaitedKindOf(ctx.type)!)) return [];
    return [...checkSkipAwait(obj.metadata), ...checkWaitFor(obj.metadata)];
  },
);
