import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";

/** Kinds whose replacement or deletion drops traffic or data. */
export const GUARDED_TYPES = [
  "kubernetes:apps/v1:Deployment",
  "kubernetes:apps/v1:StatefulSet",
  "kubernetes:core/v1:Service",
  "kubernetes:policy/v1:PodDisruptionBudget",
  "kubernetes:core/v1:PersistentVolumeClaim",
] as const;

const DESTRUCTIVE = new Set([
  "replace",
  "create-replacement",
  "delete-replaced",
  "delete",
  "discard",
  "replaced",
]);

/** One resource the guard stops. */
export interface Offender {
  readonly urn: string;
  readonly type: string;
  readonly op: string;
  /** Properties that force the replacement, as the provider reported them. */
  readonly causes: string[];
}

/** Why a step replaces: the provider's replace keys, else the properties whose diff is a *-replace. */
export function replaceCauses(m: StepEventMetadata): string[] {
  const fromDetail = Object.entries(m.detailedDiff ?? {})
    .filter(([, d]) => String(d.diffKind).endsWith("-replace"))
    .map(([path]) => path);
  const causes = [...new Set([...(m.keys ?? []), ...fromDetail])];
  return causes.sort();
}

/**
 * Collects, from a preview's engine events, every guarded resource that would be replaced or
 * deleted, unless its URN is explicitly allowed. Steps of one resource are merged.
 */
export class ReplacementGuard {
  private readonly found = new Map<string, Offender>();

  constructor(private readonly allowed: ReadonlySet<string> = new Set()) {}

  /** Feed every engine event of the preview here. */
  readonly onEvent = (e: EngineEvent): void => {
    const m = e.resourcePreEvent?.metadata;
    if (!m || !DESTRUCTIVE.has(m.op) || !(GUARDED_TYPES as readonly string[]).includes(m.type))
      return;
    if (this.allowed.has(m.urn)) return;
    const previous = this.found.get(m.urn);
    const causes = [...new Set([...(previous?.causes ?? []), ...replaceCauses(m)])].sort();
    const op = m.op === "delete" && !previous ? "delete" : "replace";
    this.found.set(m.urn, { urn: m.urn, type: m.type, op, causes });
  };

  /** The offenders, in URN order. */
  get offenders(): Offender[] {
    return [...this.found.values()].sort((a, b) => (a.urn < b.urn ? -1 : 1));
  }
}

/** A report of the offenders that says what to do about each. */
export function formatOffenders(offenders: readonly Offender[]): string {
  const lines = offenders.map((o) => {
    const why = o.causes.length ? ` because ${o.causes.join(", ")} changed` : "";
    return `  - ${o.op} ${o.urn}${why}`;
  });
  return [
    `refusing to continue: ${offenders.length} resource(s) would be replaced or deleted, which drops traffic or data:`,
    ...lines,
    "Selectors and names are immutable: keep them stable (selector labels, no fixed metadata.name).",
    "If the replacement is intended, allow it explicitly with --allow <urn> (reviewable in the pipeline).",
  ].join("\n");
}
