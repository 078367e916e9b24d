import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** The environments the pack knows; each tightens or relaxes some rules. */
export const ENVIRONMENTS = ["dev", "staging", "prod"] as const;

/** One of {@link ENVIRONMENTS}. */
export type Environment = (typeof ENVIRONMENTS)[number];

/** The environment a policy assumes when its config does not name one: the strictest. */
export const DEFAULT_ENVIRONMENT: Environment = "prod";

/** Fewest pods a workload may run in each environment (`minimum-replicas`). */
export const MIN_REPLICAS: Readonly<Record<Environment, number>> = { dev: 1, staging: 2, prod: 3 };

/** The `environment` property of an environment-aware policy's config schema. */
export const ENVIRONMENT_PROPERTY: PolicyConfigJSONSchema = {
  type: "string",
  enum: [...ENVIRONMENTS],
  default: DEFAULT_ENVIRONMENT,
  description:
    "Environment the stack deploys to: dev relaxes the availability rules, staging and prod enforce them (prod with 3 replicas).",
};

/** Config schema of a policy whose rule depends on the environment. */
export const ENVIRONMENT_SCHEMA: PolicyConfigSchema = {
  properties: { environment: ENVIRONMENT_PROPERTY },
};

/** Config every environment-aware policy receives. */
export interface EnvironmentConfig {
  /** One of {@link ENVIRONMENTS}; anything else (or nothing) means {@link DEFAULT_ENVIRONMENT}. */
  readonly environment?: string;
}

/** Whether `value` names a known environment. */
export function isEnvironment(value: unknown): value is Environment {
  return typeof value === "string" && (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * The environment a policy's config names. The engine validates config against the schema
 * before the pack runs, so an unknown value only reaches here from code; it falls back to the
 * strictest environment rather than silently relaxing a rule.
 */
export function environmentOf(config: EnvironmentConfig | undefined): Environment {
  return isEnvironment(config?.environment) ? config.environment : DEFAULT_ENVIRONMENT;
}

/** One policy's entry in a policy pack config file: a level, or a level plus properties. */
export type PolicyConfigEntry =
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>);

/** A policy pack config file (`--policy-pack-config`): entries by policy name, or `all`. */
export type PackConfig = Record<string, PolicyConfigEntry>;
