import { repoRoot } from "@steady/deployer";
import * as yaml from "js-yaml";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { renderOperatorFiles, staleOperatorFiles } from "../src/render";
import {
  OPERATOR_DEFAULTS,
  OPERATOR_ENVIRONMENTS,
  OPERATOR_PROJECTS,
  stackObjects,
  type StackObject,
} from "../src/stacks";

const root = repoRoot();
const stacks = stackObjects();
const byName = new Map(stacks.map((s) => [s.metadata.name, s]));

/** Every Stack the given one waits for, directly or through others. */
function allPrerequisites(name: string, seen = new Set<string>()): Set<string> {
  for (const p of byName.get(name)?.spec.prerequisites ?? []) {
    if (!seen.has(p.name)) {
      seen.add(p.name);
      allPrerequisites(p.name, seen);
    }
  }
  return seen;
}

describe("the committed operator manifests", () => {
  it("are exactly what the generator renders", () => {
    expect(staleOperatorFiles(root)).toEqual([]);
    const committed = readdirSync(join(root, "deploy", "operator", "stacks")).sort();
    expect(committed.map((f) => `stacks/${f}`)).toEqual(Object.keys(renderOperatorFiles()).sort());
  });

  it("would be reported stale after a hand edit", () => {
    const changed = {
      ...OPERATOR_DEFAULTS,
      branches: { ...OPERATOR_DEFAULTS.branches, prod: "x" },
    };
    expect(staleOperatorFiles(root, changed)).toEqual(["deploy/operator/stacks/30-prod.yaml"]);
  });

  it("parse back to the generated objects", () => {
    const text = Object.entries(renderOperatorFiles())
      .filter(([f]) => /\d0-(dev|staging|prod)\.yaml$/.test(f))
      .map(([, t]) => t)
      .join("\n---\n");
    const docs = yaml.loadAll(text).filter((d) => d !== null);
    expect(docs).toEqual(stacks);
  });
});

describe("one Stack per project and environment", () => {
  it("covers every project in every environment, running its own program and stack", () => {
    expect(stacks.map((s) => s.metadata.name)).toEqual([
      "steady-platform-dev",
      "steady-app-dev",
      "steady-platform-staging",
      "steady-app-staging",
      "steady-platform-prod",
      "steady-app-prod",
    ]);
    for (const s of stacks) {
      const project = yaml.load(
        readFileSync(join(root, s.spec.repoDir, "Pulumi.yaml"), "utf8"),
      ) as {
        name: string;
      };
      const env = s.metadata.labels["steady.dev/environment"]!;
      expect(s.spec.stack).toBe(`organization/${project.name}/${env}`);
      expect(existsSync(join(root, s.spec.repoDir, `Pulumi.${env}.yaml`))).toBe(true);
    }
  });

  it("keeps names within the operator's limit of 42 characters", () => {
    for (const s of stacks) expect(s.metadata.name.length).toBeLessThanOrEqual(42);
  });
});

describe("promotion order through prerequisites", () => {
  it.each(OPERATOR_ENVIRONMENTS)("runs the %s app after its platform", (env) => {
    expect(byName.get(`steady-app-${env}`)!.spec.prerequisites).toEqual([
      { name: `steady-platform-${env}` },
    ]);
  });

  it("runs staging after all of dev, prod after all of staging, and dev first", () => {
    expect(allPrerequisites("steady-platform-dev")).toEqual(new Set());
    expect([...allPrerequisites("steady-app-staging")].sort()).toEqual(
      ["steady-app-dev", "steady-platform-dev", "steady-platform-staging"].sort(),
    );
    expect([...allPrerequisites("steady-app-prod")].sort()).toEqual(
      [
        "steady-app-dev",
        "steady-platform-dev",
        "steady-app-staging",
        "steady-platform-staging",
        "steady-platform-prod",
      ].sort(),
    );
  });

  it("names only Stacks that exist, with no cycle", () => {
    for (const s of stacks) {
      for (const p of s.spec.prerequisites ?? []) expect(byName.has(p.name)).toBe(true);
      expect(allPrerequisites(s.metadata.name).has(s.metadata.name)).toBe(false);
    }
  });
});

describe("credentials and safety", () => {
  const refs = (s: StackObject) => [
    ...Object.values(s.spec.envRefs),
    ...Object.values(s.spec.secretsRef),
  ];

  it("takes the backend, passphrase and kubeconfig from Secrets of its own environment only", () => {
    for (const s of stacks) {
      const env = s.metadata.labels["steady.dev/environment"]!;
      expect(Object.keys(s.spec.envRefs).sort()).toEqual([
        "PULUMI_BACKEND_URL",
        "PULUMI_CONFIG_PASSPHRASE",
      ]);
      expect(Object.keys(s.spec.secretsRef)).toEqual([
        `${s.metadata.labels["steady.dev/project"]}:kubeconfig`,
      ]);
      for (const r of refs(s)) {
        expect(r.type).toBe("Secret");
        expect(r.secret.name).toMatch(new RegExp(`^steady-${env}-`));
      }
      expect(s.spec.serviceAccountName).toBe(`steady-${env}-deployer`);
    }
  });

  it("never destroys on deletion, refreshes first, and builds the program it runs", () => {
    for (const s of stacks) {
      expect(s.spec.destroyOnFinalize).toBe(false);
      expect(s.spec.refresh).toBe(true);
      const project = OPERATOR_PROJECTS.find((p) => `stacks/${p.dir}` === s.spec.repoDir)!;
      const [build] = s.spec.workspaceTemplate.spec.podTemplate.spec.initContainers;
      expect(build!.command.join(" ")).toContain(`--filter=${project.workspace}...`);
      expect(build!.volumeMounts).toEqual([{ name: "share", mountPath: "/share" }]);
    }
  });

  it("puts no literal value or secret material in any rendered file", () => {
    for (const text of Object.values(renderOperatorFiles())) {
      expect(text).not.toMatch(/type: (Literal|Env|FS)\b/);
      expect(text).not.toMatch(
        /passphrase: |backend-url: [a-z]+:|BEGIN [A-Z ]*PRIVATE KEY|token:/i,
      );
    }
  });
});

describe("the rendered files and prettier", () => {
  it("are already formatted, so `npm run format` never makes them stale", () => {
    // The committed files equal the generator's output (above); prettier must leave them alone.
    const files = Object.keys(renderOperatorFiles()).map((p) =>
      join(root, "deploy", "operator", p),
    );
    const r = spawnSync(
      process.execPath,
      [require.resolve("prettier/bin/prettier.cjs"), "--check", ...files],
      { cwd: root, encoding: "utf8" },
    );
    expect(`${r.stdout}${r.stderr}`).toContain("All matched files use Prettier code style!");
    expect(r.status).toBe(0);
  });
});
