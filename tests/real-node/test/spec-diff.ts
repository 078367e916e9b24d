/**
 * Where two Deployment specs differ, so a control run can prove it removed exactly one safety
 * and changed nothing else.
 */

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Paths at which `a` and `b` differ; arrays of named objects (containers, env) are keyed by name. */
export function differences(a: unknown, b: unknown, path = ""): string[] {
  const x = a as Json | undefined;
  const y = b as Json | undefined;
  if (Array.isArray(x) && Array.isArray(y)) {
    const named = (v: Json[]) =>
      v.every(
        (e) =>
          typeof e === "object" && e !== null && typeof (e as { name?: unknown }).name === "string",
      );
    if (named(x) && named(y)) {
      const byName = (v: Json[]) => new Map(v.map((e) => [(e as { name: string }).name, e]));
      const [mx, my] = [byName(x), byName(y)];
      return [...new Set([...mx.keys(), ...my.keys()])].flatMap((n) =>
        differences(mx.get(n), my.get(n), `${path}[${n}]`),
      );
    }
    const n = Math.max(x.length, y.length);
    return Array.from({ length: n }, (_, i) => differences(x[i], y[i], `${path}[${i}]`)).flat();
  }
  const isObject = (v: unknown): v is Record<string, Json> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (isObject(x) && isObject(y)) {
    return [...new Set([...Object.keys(x), ...Object.keys(y)])].flatMap((k) =>
      differences(x[k], y[k], path ? `${path}.${k}` : k),
    );
  }
  return JSON.stringify(x) === JSON.stringify(y) ? [] : [path];
}

/** The fields of a Deployment the comparison reads. */
export interface DeploymentLike {
  spec: {
    selector?: unknown;
    template: {
      metadata?: { labels?: Record<string, string> };
      spec: { volumes?: { name: string; configMap?: { name?: string } }[] };
    };
  };
}

/**
 * A Deployment's spec without what names it (selector and template labels, which carry the
 * instance name, and the generated name of its ConfigMap): what is left says how it runs.
 */
export function comparableSpec(d: DeploymentLike): unknown {
  const spec = structuredClone(d.spec);
  delete spec.selector;
  delete spec.template.metadata?.labels;
  for (const v of spec.template.spec.volumes ?? []) delete v.configMap?.name;
  return spec;
}
