import { makeUrn, qualifiedType, type RecordedResource } from "../fixture/urn";

/** What a consumer program registered under one config: the resources a stack's state keys on. */
export interface Scenario {
  /** The program's config (keys without the project prefix; "" means not set). */
  readonly config: Record<string, string>;
  /** Resources sorted by URN. */
  readonly resources: RecordedResource[];
}

/** A committed baseline: what the consumer program registered with one released version. */
export interface Baseline {
  /** Version of the packages it was made from. */
  readonly version: string;
  /** Each package and its version. */
  readonly packages: Record<string, string>;
  /** How to make a new one. */
  readonly refresh: string;
  readonly scenarios: Record<string, Scenario>;
}

const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);
const stackProject = (urn: string) => {
  const [, stack, project] = /^urn:pulumi:([^:]*)::([^:]*)::/.exec(urn) ?? [];
  return { stack: stack ?? "", project: project ?? "" };
};
const lastType = (urn: string) => qualifiedType(urn).split("$").pop()!;

/**
 * Every URN each resource answers to in an update: its own, its `aliases`, and the ones it
 * inherits from its parent's aliases, the way the engine computes them (a child named
 * `<parent name>-x` of a renamed parent is also looked up as `<old parent name>-x`).
 */
export function aliasesOf(resources: readonly RecordedResource[]): Map<string, Set<string>> {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, Set<string>>();
  const all = (r: RecordedResource): Set<string> => {
    const known = memo.get(r.urn);
    if (known) return known;
    const out = new Set<string>(r.aliases);
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent) {
      for (const parentAlias of all(parent)) {
        const { stack, project } = stackProject(parentAlias);
        const inherit = (childName: string, childType: string) => {
          const name = childName.startsWith(parent.name)
            ? nameOf(parentAlias) + childName.slice(parent.name.length)
            : childName;
          out.add(makeUrn(stack, project, parentAlias, childType, name));
        };
        inherit(r.name, r.type);
        for (const a of r.aliases) inherit(nameOf(a), lastType(a));
      }
    }
    out.delete(r.urn);
    memo.set(r.urn, out);
    return out;
  };
  return new Map(resources.map((r) => [r.urn, all(r)]));
}

const show = (v: unknown) => (v === undefined ? "(none)" : JSON.stringify(v));

/** Deep equality of JSON values, ignoring object key order. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return (
    ka.length === kb.length &&
    ka.every(
      (k, i) =>
        k === kb[i] &&
        sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

/**
 * Compares what the current packages register with what a released version registered, as an
 * existing stack would see it on its next `pulumi up`. Fails (one line each) when a resource of
 * the baseline has no URN or alias in the current program (the engine would delete it and create
 * a new one: a replacement) and when a workload's or Service's selector changed (a workload's is
 * immutable, so it is replaced; a Service's stops routing to the running pods).
 */
export function compareToBaseline(
  label: string,
  baseline: readonly RecordedResource[],
  current: readonly RecordedResource[],
): string[] {
  const problems: string[] = [];
  const aliases = aliasesOf(current);
  const answering = new Map<string, RecordedResource>();
  for (const r of current) answering.set(r.urn, r);
  for (const r of current)
    for (const a of aliases.get(r.urn) ?? []) if (!answering.has(a)) answering.set(a, r);

  for (const old of baseline) {
    const now = answering.get(old.urn);
    if (!now) {
      problems.push(
        `${label}: ${old.urn} is gone: no resource has this URN or lists it in its aliases, so ` +
          `existing stacks would delete it and create a new one. If it was renamed or moved, add ` +
          `an alias to the new resource (aliases: [{ name: "${old.name}", type: "${old.type}" }] ` +
          `or the old URN) or revert the change.`,
      );
      continue;
    }
    if (!sameJson(old.selector, now.selector)) {
      const effect = old.type.endsWith(":Service")
        ? "the Service would stop sending traffic to the pods existing stacks run"
        : "a workload's selector is immutable, so existing stacks would replace it";
      problems.push(
        `${label}: the selector of ${now.urn} changed from ${show(old.selector)} to ` +
          `${show(now.selector)}: ${effect}. Revert the selector change (selectors must only use ` +
          `labels that never change).`,
      );
    }
  }
  return problems;
}

/** Resources of `current` that no baseline resource maps to (new in this version; harmless). */
export function addedSince(
  baseline: readonly RecordedResource[],
  current: readonly RecordedResource[],
): string[] {
  const aliases = aliasesOf(current);
  const old = new Set(baseline.map((r) => r.urn));
  return current
    .filter((r) => !old.has(r.urn) && ![...(aliases.get(r.urn) ?? [])].some((a) => old.has(a)))
    .map((r) => r.urn);
}

/** Sorts a recording by URN, so baselines diff cleanly. */
export function sortByUrn(resources: readonly RecordedResource[]): RecordedResource[] {
  return [...resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}
