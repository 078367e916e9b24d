/// <reference types="jest" />
import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The part of a stack config schema this check reads: which keys exist and which are required. */
export type SchemaLike = Readonly<
  Record<string, { readonly type: string; readonly required?: boolean }>
>;

/**
 * Declares jest tests that keep a project's Pulumi.yaml in line with its program's config schema:
 * exactly the required settings are declared (Pulumi treats every declared key without a default
 * as required), each with a type and a description, and every optional setting is documented in
 * the `#   key (type): description` comment list, and no other.
 */
export function describePulumiYaml(projectDir: string, schema: SchemaLike): void {
  const text = readFileSync(join(projectDir, "Pulumi.yaml"), "utf8");
  const declared =
    (yaml.load(text) as { config?: Record<string, { type: string; description: string }> })
      .config ?? {};
  const optional = [...text.matchAll(/^# {3}(\w+) \((\w+)\): (.+)$/gm)].map((m) => m[1]!);

  describe("Pulumi.yaml of this project", () => {
    it("declares exactly the required settings, each with a type and a description", () => {
      const required = Object.entries(schema)
        .filter(([, f]) => f.required === true)
        .map(([k]) => k);
      expect(Object.keys(declared).sort()).toEqual(required.sort());
      for (const d of Object.values(declared)) {
        expect(d.type).toEqual(expect.any(String));
        expect(d.description.length).toBeGreaterThan(10);
      }
    });

    it("documents every optional setting the program accepts, and no other", () => {
      const accepted = Object.keys(schema).filter((k) => !(k in declared));
      expect(optional.sort()).toEqual(accepted.sort());
    });
  });
}
