import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** What {@link loadStackConfig} read from a Pulumi project. */
export interface LoadedStackConfig {
  /** The project name from `Pulumi.yaml`. */
  readonly project: string;
  /** Fully qualified keys (`project:key`) to their string values, as the engine passes them. */
  readonly config: Record<string, string>;
  /** Keys whose value was a `secure:` ciphertext; their value here is a placeholder. */
  readonly secretKeys: string[];
}

/**
 * Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` from `projectDir` and turns the stack's config
 * into what the engine would hand the program: unqualified keys get the project's namespace,
 * objects and arrays become JSON text, `secure:` values become a placeholder and are listed as
 * secret. `overrides` replace values (use `undefined` to drop a key) to build broken copies.
 */
export function loadStackConfig(
  projectDir: string,
  stack: string,
  overrides: Record<string, unknown> = {},
): LoadedStackConfig {
  const project = (
    yaml.load(readFileSync(join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }
  ).name;
  const file = yaml.load(readFileSync(join(projectDir, `Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  } | null;
  const qualify = (k: string) => (k.includes(":") ? k : `${project}:${k}`);
  const raw: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(file?.config ?? {})) raw[qualify(k)] = v;
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete raw[qualify(k)];
    else raw[qualify(k)] = v;
  }
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [k, v] of Object.entries(raw)) {
    if (v !== null && typeof v === "object" && "secure" in (v as object)) {
      config[k] = "test-secret-value";
      secretKeys.push(k);
    } else {
      config[k] = typeof v === "string" ? v : JSON.stringify(v);
    }
  }
  return { project, config, secretKeys };
}

/** Loads a stack's config ({@link loadStackConfig}) into the (mocked) runtime. */
export function applyStackConfig(loaded: LoadedStackConfig): void {
  pulumi.runtime.setAllConfig(loaded.config, loaded.secretKeys);
}
