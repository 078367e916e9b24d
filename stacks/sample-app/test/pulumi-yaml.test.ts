import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { APP_CONFIG } from "../src/config";

const text = readFileSync(join(__dirname, "..", "Pulumi.yaml"), "utf8");
const declared = (
  yaml.load(text) as { config: Record<string, { type: string; description: string }> }
).config;
const optional = [...text.matchAll(/^# {3}(\w+) \((\w+)\): (.+)$/gm)].map((m) => m[1]!);

describe("Pulumi.yaml of this project", () => {
  it("declares exactly the required settings, each with a type and a description", () => {
    const required = Object.entries(APP_CONFIG)
      .filter(([, f]) => "required" in f && f.required)
      .map(([k]) => k);
    expect(Object.keys(declared).sort()).toEqual(required.sort());
    for (const d of Object.values(declared)) {
      expect(d.type).toEqual(expect.any(String));
      expect(d.description.length).toBeGreaterThan(10);
    }
  });

  it("documents every optional setting the program accepts, and no other", () => {
    const accepted = Object.keys(APP_CONFIG).filter((k) => !(k in declared));
    expect(optional.sort()).toEqual(accepted.sort());
  });
});
