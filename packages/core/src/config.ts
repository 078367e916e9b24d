import { Problems } from "./problems";

/** How one stack config key is read. */
export type ConfigField =
  | {
      readonly type: "string";
      readonly required?: boolean;
      readonly pattern?: RegExp;
      /**
       * The rule a value must pass, when a component owns it (e.g. `isDns1123Label`): the schema
       * reuses the component's rule instead of restating it as a pattern.
       */
      readonly valid?: (value: string) => boolean;
      /** What a valid value looks like, for the error message of `pattern` or `valid`. */
      readonly patternHint?: string;
      readonly secret?: boolean;
    }
  | {
      readonly type: "integer";
      readonly required?: boolean;
      readonly min: number;
      readonly max: number;
    }
  | { readonly type: "boolean"; readonly required?: boolean }
  | { readonly type: "enum"; readonly required?: boolean; readonly values: readonly string[] }
  | { readonly type: "intOrPercent"; readonly required?: boolean };

/** The value type a field parses to. */
export type ConfigValue<F extends ConfigField> = F extends { type: "integer" }
  ? number
  : F extends { type: "boolean" }
    ? boolean
    : F extends { type: "intOrPercent" }
      ? number | string
      : F extends { type: "enum"; values: readonly (infer V)[] }
        ? V
        : string;

/** Parsed config: each declared key, `undefined` when not set (so component defaults apply). */
export type ParsedConfig<S extends Record<string, ConfigField>> = {
  -readonly [K in keyof S]: S[K] extends { required: true }
    ? ConfigValue<S[K]>
    : ConfigValue<S[K]> | undefined;
};

function parseOne(problems: Problems, key: string, raw: string, f: ConfigField): unknown {
  const shown = JSON.stringify(f.type === "string" && f.secret ? "[secret]" : raw);
  switch (f.type) {
    case "string":
      if ((f.pattern && !f.pattern.test(raw)) || (f.valid && !f.valid(raw))) {
        const rule = f.pattern ? `a value matching ${f.pattern}` : "a valid value";
        problems.add(key, `${shown} is not valid: expected ${f.patternHint ?? rule}`);
        return undefined;
      }
      return raw;
    case "integer": {
      const n = /^-?[0-9]+$/.test(raw.trim()) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < f.min || n > f.max) {
        problems.add(key, `${shown} is not valid: expected an integer from ${f.min} to ${f.max}`);
        return undefined;
      }
      return n;
    }
    case "boolean":
      if (raw !== "true" && raw !== "false") {
        problems.add(key, `${shown} is not valid: expected true or false`);
        return undefined;
      }
      return raw === "true";
    case "enum":
      if (!f.values.includes(raw)) {
        problems.add(
          key,
          `${shown} is not valid: expected one of ${f.values.map((v) => JSON.stringify(v)).join(", ")}`,
        );
        return undefined;
      }
      return raw;
    case "intOrPercent":
      if (/^[0-9]+$/.test(raw)) return Number(raw);
      if (/^([0-9]|[1-9][0-9]|100)%$/.test(raw)) return raw;
      problems.add(
        key,
        `${shown} is not valid: expected a whole number (0 or more) or a percentage like "25%"`,
      );
      return undefined;
  }
}

/**
 * Parses a stack's config (as the engine hands it over: `project:key` → string) against a schema.
 * Every problem is collected: wrong types, out-of-range values, missing required keys, and keys
 * of this project that the schema does not know (usually typos). Pure; stack programs pass
 * `pulumi.runtime.allConfig()`.
 */
export function parseStackConfig<S extends Record<string, ConfigField>>(
  project: string,
  raw: Readonly<Record<string, string>>,
  schema: S,
): { values: ParsedConfig<S>; problems: Problems } {
  const problems = new Problems();
  const values: Record<string, unknown> = {};
  const prefix = `${project}:`;
  for (const [key, field] of Object.entries(schema)) {
    const v = raw[prefix + key];
    if (v === undefined || v === "") {
      if (field.required)
        problems.add(prefix + key, `is required: set it with \`pulumi config set ${key} <value>\``);
      continue;
    }
    values[key] = parseOne(problems, prefix + key, v, field);
  }
  const known = Object.keys(schema);
  for (const key of Object.keys(raw)) {
    if (!key.startsWith(prefix)) continue;
    const short = key.slice(prefix.length);
    if (!Object.hasOwn(schema, short)) {
      problems.add(
        key,
        `is not a known setting of ${project}: expected one of ${known.join(", ")}`,
      );
    }
  }
  return { values: values as ParsedConfig<S>, problems };
}
