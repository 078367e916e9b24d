import type { EnforcementLevel, Policies, PolicyPackArgs } from "@pulumi/policy";
import type { Environment, PackConfig, PolicyConfigEntry } from "./config";
import { autoscalerOwnsReplicasPolicy } from "./rules/autoscaler-owns-replicas";
import { gracefulTerminationPolicy } from "./rules/graceful-termination";
import { minimumReplicasPolicy } from "./rules/minimum-replicas";
import { noBarePodsPolicy } from "./rules/no-bare-pods";
import { nodeLossEvictionPolicy } from "./rules/node-loss-eviction";
import { noDeleteBeforeReplacePolicy } from "./rules/no-delete-before-replace";
import { noFixedConfigMapNamesPolicy, noFixedNamesPolicy } from "./rules/no-fixed-names";
import { noSkipAwaitPolicy } from "./rules/no-skip-await";
import { podDisruptionBudgetPolicy } from "./rules/pod-disruption-budget";
import { readinessProbePolicy } from "./rules/readiness-probe";
import { resourceRequestsPolicy } from "./rules/resource-requests";
import { restrictedSecurityContextPolicy } from "./rules/restricted-security-context";
import { rollingUpdatePolicy } from "./rules/rolling-update";
import { rolloutDeadlinesPolicy } from "./rules/rollout-deadlines";
import { serviceSelectorPolicy } from "./rules/service-selector";

/** Name of the policy pack, as `pulumi preview` reports it. */
export const PACK_NAME = "steady-zero-downtime";

/** Enforcement level of every policy unless a policy pack config file says otherwise. */
export const DEFAULT_ENFORCEMENT: EnforcementLevel = "mandatory";

/** Every policy of the pack, resource policies first, then stack policies. */
export const POLICIES: Policies = [
  rollingUpdatePolicy,
  readinessProbePolicy,
  gracefulTerminationPolicy,
  rolloutDeadlinesPolicy,
  resourceRequestsPolicy,
  restrictedSecurityContextPolicy,
  noFixedNamesPolicy,
  noDeleteBeforeReplacePolicy,
  noSkipAwaitPolicy,
  noBarePodsPolicy,
  minimumReplicasPolicy,
  autoscalerOwnsReplicasPolicy,
  podDisruptionBudgetPolicy,
  serviceSelectorPolicy,
  noFixedConfigMapNamesPolicy,
  nodeLossEvictionPolicy,
];

/** Names of the policies whose config takes an `environment`. */
export const ENVIRONMENT_AWARE_POLICIES: readonly string[] = POLICIES.filter(
  (p) => p.configSchema?.properties.environment !== undefined,
).map((p) => p.name);

/** The arguments the pack is constructed with. */
export const PACK_ARGS: PolicyPackArgs = {
  policies: POLICIES,
  enforcementLevel: DEFAULT_ENFORCEMENT,
  description:
    "Kubernetes workloads that roll out without downtime: rolling updates that keep capacity, probes, graceful termination, disruption budgets, requests, restricted security, generated names.",
  displayName: "steady: zero-downtime Kubernetes",
  provider: "kubernetes",
  tags: ["kubernetes", "availability"],
};

/**
 * A policy pack config (the JSON `--policy-pack-config` reads) that sets `environment` on every
 * environment-aware policy, then applies `overrides` (an enforcement level, or properties) by
 * policy name, or `all` for every policy's level.
 *
 * @example policyPackConfig("staging", { "no-bare-pods": "advisory" })
 */
export function policyPackConfig(
  environment: Environment,
  overrides: Readonly<PackConfig> = {},
): PackConfig {
  const out: PackConfig = {};
  for (const name of ENVIRONMENT_AWARE_POLICIES) out[name] = { environment };
  for (const [name, given] of Object.entries(overrides)) {
    const base = out[name];
    const props: Exclude<PolicyConfigEntry, EnforcementLevel> =
      typeof given === "string" ? { enforcementLevel: given } : given;
    out[name] = typeof base === "object" ? { ...base, ...props } : given;
  }
  return out;
}
