import * as yaml from "js-yaml";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot, stateDir } from "./paths";

/** A Pulumi project of this repo: its directory and name. */
export interface ProjectRef {
  /** Directory under stacks/, e.g. `sample-app`. */
  readonly dir: string;
  /** Project name from its Pulumi.yaml, e.g. `steady-app`. */
  readonly name: string;
}

/** The repo's Pulumi projects. */
export const PROJECTS = {
  platform: { dir: "platform", name: "steady-platform" },
  app: { dir: "sample-app", name: "steady-app" },
} as const satisfies Record<string, ProjectRef>;

type Yaml = Record<string, unknown>;

/** A `secure:` (encrypted) config value as it appears in a stack file. */
const isSecure = (v: unknown): boolean => typeof v === "object" && v !== null && "secure" in v;

/**
 * Lays out a work directory for running `project` as stack `stack` with the committed
 * `Pulumi.<env>.yaml` plus `overrides`, without touching committed files: a copy of Pulumi.yaml
 * whose `main` points at the project's compiled program, and the stack's config file. The work
 * directory lives under `<repo>/.steady/work`, so the program resolves the repo's node_modules.
 *
 * @param env which committed `Pulumi.<env>.yaml` to start from.
 * @param overrides config values by key (without the project prefix); `null` removes a key.
 * @returns the work directory.
 */
export function prepareWorkDir(
  project: ProjectRef,
  env: string,
  stack: string,
  overrides: Record<string, string | number | boolean | null> = {},
): string {
  const src = join(repoRoot(), "stacks", project.dir);
  const work = join(stateDir(), "work", `${project.name}.${stack}`);
  mkdirSync(work, { recursive: true });
  const projectFile = yaml.load(readFileSync(join(src, "Pulumi.yaml"), "utf8")) as Yaml;
  projectFile.main = relative(work, join(src, String(projectFile.main ?? "dist/index.js")));
  writeFileSync(join(work, "Pulumi.yaml"), yaml.dump(projectFile));
  const stackFile = (yaml.load(readFileSync(join(src, `Pulumi.${env}.yaml`), "utf8")) ?? {}) as {
    config?: Yaml;
  };
  const config: Yaml = { ...stackFile.config };
  for (const [k, v] of Object.entries(overrides)) {
    const key = `${project.name}:${k}`;
    if (v === null) delete config[key];
    else config[key] = v;
  }
  let existing: Yaml = {};
  try {
    existing = (yaml.load(readFileSync(join(work, `Pulumi.${stack}.yaml`), "utf8")) ?? {}) as Yaml;
  } catch {
    // first run
  }
  // Keep secrets set on the stack (`pulumi config set --secret` in the work directory) that the
  // committed file and the overrides do not set: they exist only as ciphertext, so this file is
  // the only place they can live, and rewriting it must not drop them.
  const existingConfig = (existing.config ?? {}) as Yaml;
  for (const [key, value] of Object.entries(existingConfig)) {
    const removed = overrides[key.slice(project.name.length + 1)] === null;
    if (!(key in config) && !removed && isSecure(value)) config[key] = value;
  }
  // Keep the salt Pulumi wrote when it created the stack: it belongs to the stack's state.
  const out: Yaml = {
    ...(existing.encryptionsalt ? { encryptionsalt: existing.encryptionsalt } : {}),
    config,
  };
  writeFileSync(join(work, `Pulumi.${stack}.yaml`), yaml.dump(out));
  return work;
}
