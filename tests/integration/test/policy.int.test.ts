import type { Stack } from "@pulumi/pulumi/automation";
import { repoRoot } from "@steady/deployer";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { itDir } from "./env";
import { fixtureStack, stackOf } from "./harness";

/** The policy pack directory (PulumiPolicy.yaml, package.json "main" → dist/index.js). */
const PACK = join(repoRoot(), "packages", "policy");
/** The pack as the CLI names it: the package's name and version, so a release bump needs no edit here. */
const PACK_ID = `steady-zero-downtime@v${(JSON.parse(readFileSync(join(PACK, "package.json"), "utf8")) as { version: string }).version}`;
/** The shipped policy pack config of an environment (sets `environment` on every policy). */
const packConfig = (env: string) => join(PACK, "config", `${env}.json`);

/** Every policy of the pack, each of which the bad program breaks. */
const RULES = [
  "rolling-update",
  "readiness-probe",
  "graceful-termination",
  "rollout-deadlines",
  "resource-requests",
  "restricted-security-context",
  "no-fixed-names",
  "no-delete-before-replace",
  "no-skip-await",
  "no-bare-pods",
  "minimum-replicas",
  "autoscaler-owns-replicas",
  "pod-disruption-budget",
  "service-selector",
  "no-fixed-config-map-names",
  "node-loss-eviction",
];

/** `pulumi preview` with the pack; resolves to the whole output, or rejects with it. */
async function previewWithPack(
  stack: Stack,
  env: string,
  config = packConfig(env),
): Promise<string> {
  let out = "";
  try {
    await stack.preview({
      policyPacks: [PACK],
      policyPackConfigs: [config],
      onOutput: (s) => (out += s),
    });
    return out;
  } catch (e) {
    throw new Error(`${out}\n${(e as Error).message}`);
  }
}

beforeAll(() => {
  // Pulumi runs the pack as it is on disk: it must be built, and not older than its sources.
  const main = join(PACK, "dist", "index.js");
  const src = join(PACK, "src", "pack.ts");
  if (!existsSync(main) || statSync(main).mtimeMs < statSync(src).mtimeMs) {
    throw new Error(
      `the policy pack in ${PACK} is not built or is stale: run \`npx turbo run build\` first`,
    );
  }
});

describe.each(["dev", "staging", "prod"])(
  "the zero-downtime policy pack over the %s stacks",
  (env) => {
    const stack = `policy-${env}`;
    const platformConfig = { namespace: `steady-policy-${env}` };

    it("passes pulumi preview of the platform with no violation", async () => {
      const out = await previewWithPack(await stackOf("platform", env, stack, platformConfig), env);
      expect(out).toContain(PACK_ID);
      expect(out).not.toMatch(/\[(mandatory|advisory)\]/);
    });

    it("passes pulumi preview of the sample app with no violation", async () => {
      // The app reads its namespace from the platform stack, so the platform must exist first
      // (without simulated nodes: those are cluster-wide and other test files create them).
      const platform = await stackOf("platform", env, stack, {
        ...platformConfig,
        simulatedNodes: 0,
      });
      await platform.up({ policyPacks: [PACK], policyPackConfigs: [packConfig(env)] });
      const app = await stackOf("app", env, stack, {
        platformStack: `organization/steady-platform/${stack}`,
      });
      const out = await previewWithPack(app, env);
      expect(out).toContain(PACK_ID);
      expect(out).not.toMatch(/\[(mandatory|advisory)\]/);
    });
  },
);

describe("the no-skip-await kinds config, through the engine", () => {
  /** The shipped dev config plus `no-skip-await` settings, written to the run's directory. */
  function configWith(name: string, noSkipAwait: object): string {
    const dir = join(itDir(), "policy-config");
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.json`);
    const shipped = JSON.parse(readFileSync(packConfig("dev"), "utf8")) as object;
    writeFileSync(file, JSON.stringify({ ...shipped, "no-skip-await": noSkipAwait }));
    return file;
  }

  it("reports the sample app's Service waitFor once the config names Service", async () => {
    // The dev stacks of the test above: the platform is up, the app previews cleanly by default.
    const app = await stackOf("app", "dev", "policy-dev", {
      platformStack: "organization/steady-platform/policy-dev",
    });
    const strict = configWith("strict", {
      kinds: ["Deployment", "StatefulSet", "DaemonSet", "Job", "Service"],
    });
    const message = await previewWithPack(app, "dev", strict).then(
      (out) => `preview unexpectedly passed:\n${out}`,
      (e: Error) => e.message,
    );
    expect(message).toMatch(/\[mandatory\]\s+no-skip-await\s/);
    expect(message).toMatch(
      /Service "hello-svc": the pulumi\.com\/waitFor annotation is "jsonpath=\{\.spec\.clusterIP\}"/,
    );
  });

  it("rejects a kind the rule does not know before anything runs", async () => {
    const app = await stackOf("app", "dev", "policy-dev", {
      platformStack: "organization/steady-platform/policy-dev",
    });
    const message = await previewWithPack(
      app,
      "dev",
      configWith("typo", { kinds: ["Deploymnet"] }),
    ).then(
      (out) => `preview unexpectedly passed:\n${out}`,
      (e: Error) => e.message,
    );
    expect(message).not.toMatch(/^preview unexpectedly passed/);
    // The engine checks the file against the policy's schema before the program runs.
    expect(message).toMatch(
      /validating policy config: .*no-skip-await: kinds\.0: kinds\.0 must be one of the following: "Deployment"/,
    );
  });
});

describe("the zero-downtime policy pack over a deliberately bad program", () => {
  let message = "";

  beforeAll(async () => {
    const stack = await fixtureStack("bad-program", "policy-prod");
    // The namespace has no Pod Security enforcement: the pack, not admission, must reject this.
    await stack.setConfig("namespace", { value: "default" });
    message = await previewWithPack(stack, "prod").then(
      (out) => `preview unexpectedly passed:\n${out}`,
      (e: Error) => e.message,
    );
  });

  it("fails pulumi preview with mandatory violations", () => {
    expect(message).not.toMatch(/^preview unexpectedly passed/);
    expect(message).toContain(PACK_ID);
    expect(message).toMatch(/\[mandatory\]/);
  });

  it.each(RULES)("names the violated rule %s", (rule) => {
    expect(message).toMatch(new RegExp(`\\[mandatory\\]\\s+${rule}\\s`));
  });

  it("says which resource breaks a rule and how to fix it", () => {
    expect(message).toContain(
      'Deployment "bad": metadata.name is fixed to "bad": remove it and let Pulumi generate the name',
    );
    expect(message).toContain(
      'Deployment "bad" is scaled by HorizontalPodAutoscaler "bad-hpa" down to 1 replica; prod needs at least 3',
    );
    expect(message).toContain('Service "bad-svc" selects app=typo');
    expect(message).toContain(
      'Deployment "bad": the pulumi.com/waitFor annotation is "jsonpath={.metadata.name}": remove it',
    );
  });
});
