import type {
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { environmentOf, type Environment, type EnvironmentConfig } from "./config";
import { kindOf, type KubeObject, type ObjectMeta } from "./k8s";

/**
 * Annotation that exempts one object from named rules: a comma-separated list of policy names,
 * e.g. `steady.dev/policy-exceptions: "no-bare-pods, minimum-replicas"`. Keep the reason next
 * to it in the program; the annotation is visible on the live object too.
 */
export const EXCEPTIONS_ANNOTATION = "steady.dev/policy-exceptions";

/** The policy names an object is exempt from, from its {@link EXCEPTIONS_ANNOTATION}. */
export function exemptionsOf(metadata: ObjectMeta | undefined): readonly string[] {
  const raw = metadata?.annotations?.[EXCEPTIONS_ANNOTATION];
  if (typeof raw !== "string") return [];
  return raw
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Whether an object is exempt from `policy`. */
export function isExempt(obj: KubeObject | undefined, policy: string): boolean {
  return exemptionsOf(obj?.metadata).includes(policy);
}

/** How messages name a resource: its kind and the name the program gave it, `Deployment "web"`. */
export function subject(type: string, name: string): string {
  return `${kindOf(type)} "${name}"`;
}

/** A resource of the stack as plain data, for the stack rules. */
export interface PlainResource {
  /** Pulumi type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** The name the program gave it. */
  readonly name: string;
  readonly urn: string;
  /** Its properties (outputs, at the end of a preview or update). */
  readonly props: KubeObject;
}

/** A stack rule's finding: the resource to blame and the whole message. */
export interface StackViolation {
  readonly urn: string;
  readonly message: string;
}

/** What a resource rule may look at besides the object itself. */
export interface ResourceContext {
  readonly type: string;
  readonly name: string;
  readonly environment: Environment;
  readonly opts: Partial<PolicyResourceOptions>;
  /** The policy's whole config (environment plus the policy's own properties). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** What a stack rule may look at besides the resources. */
export interface StackContext {
  readonly environment: Environment;
  /** The policy's whole config (environment plus the policy's own properties). */
  readonly config: Readonly<Record<string, unknown>>;
}

/** The static description of a policy: its name, one-line description and config schema. */
export type PolicyInfo = Omit<ResourceValidationPolicy, "validateResource" | "remediateResource">;

/**
 * A policy that checks each resource of the given types with a pure function returning reasons;
 * each reason is reported as `<Kind> "<name>": <reason>`. Objects exempt through
 * {@link EXCEPTIONS_ANNOTATION} are skipped.
 */
export function resourcePolicy(
  info: PolicyInfo,
  appliesTo: (type: string) => boolean,
  check: (obj: KubeObject, ctx: ResourceContext) => readonly string[],
): ResourceValidationPolicy {
  return {
    ...info,
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (!appliesTo(args.type)) return;
      const obj = (args.props ?? {}) as KubeObject;
      if (isExempt(obj, info.name)) return;
      const config = args.getConfig<Record<string, unknown>>();
      const ctx: ResourceContext = {
        type: args.type,
        name: args.name,
        environment: environmentOf(config as EnvironmentConfig),
        opts: args.opts ?? {},
        config,
      };
      for (const reason of check(obj, ctx)) report(`${subject(args.type, args.name)}: ${reason}`);
    },
  };
}

/**
 * A policy that checks the whole stack with a pure function over plain resources. Violations
 * are reported against the resource they name, unless that resource is exempt.
 */
export function stackPolicy(
  info: PolicyInfo,
  check: (resources: readonly PlainResource[], ctx: StackContext) => readonly StackViolation[],
): StackValidationPolicy {
  return {
    ...info,
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const resources: PlainResource[] = args.resources.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: (r.props ?? {}) as KubeObject,
      }));
      const byUrn = new Map(resources.map((r) => [r.urn, r]));
      const config = args.getConfig<Record<string, unknown>>();
      const ctx: StackContext = { environment: environmentOf(config), config };
      for (const v of check(resources, ctx)) {
        if (isExempt(byUrn.get(v.urn)?.props, info.name)) continue;
        report(v.message, v.urn);
      }
    },
  };
}
