import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTsCli } from "@steady/testing";
import { UsageError } from "../src/args";
import { canaryRunOf, main, parseArgs } from "../src/cli";

describe("steady-repo-deploy arguments", () => {
  it("reads a guarded up with allowed URNs", () => {
    expect(
      parseArgs([
        "up",
        "--project",
        "app",
        "--env",
        "prod",
        "--allow",
        "urn:a",
        "--allow",
        "urn:b",
      ]),
    ).toEqual({
      command: "up",
      env: "prod",
      project: "app",
      allow: ["urn:a", "urn:b"],
      rollbackOnFailure: false,
      realNode: false,
      http: false,
      config: {},
    });
    expect(parseArgs(["up", "--project", "app", "--rollback-on-failure"]).rollbackOnFailure).toBe(
      true,
    );
  });

  it("reads --config overrides, keeping '=' and spaces inside values", () => {
    expect(
      parseArgs([
        "up",
        "--project",
        "app",
        "--config",
        "version=v2",
        "--config",
        "greeting=a = b",
        "--config",
        "nodeSelector=",
      ]).config,
    ).toEqual({ version: "v2", greeting: "a = b", nodeSelector: "" });
  });

  it("reads recover for a stack", () => {
    expect(
      parseArgs(["recover", "--project", "app", "--env", "dev", "--stack", "x"]),
    ).toMatchObject({ command: "recover", project: "app", env: "dev", stack: "x" });
  });

  it("reads the demo on the real node", () => {
    expect(parseArgs(["demo", "--real-node", "--env", "staging"])).toMatchObject({
      command: "demo",
      env: "staging",
      realNode: true,
    });
    expect(parseArgs(["demo"]).realNode).toBe(false);
  });

  it.each([
    [["deploy"], 'unknown command "deploy"'],
    [["up", "--env", "prod"], "up needs --project platform|app"],
    [["preview", "--project", "db"], '--project "db" is not a project: expected platform or app'],
    [["demo", "--env", "qa"], '--env "qa" is not an environment: expected dev, staging or prod'],
    [["up", "--project"], "--project needs a value"],
    [["up", "--force"], 'unknown option "--force"'],
    [["up", "--project", "app", "--real-node"], 'unknown option "--real-node"'],
    [["recover", "--env", "dev"], "recover needs --project platform|app"],
    [["smoke", "--project", "app"], 'unknown option "--project"'],
    [["up", "--project", "app", "--http"], 'unknown option "--http"'],
    [["recover", "--project", "app", "--config", "a=b"], 'unknown option "--config"'],
    [
      ["recover", "--project", "app", "--rollback-on-failure"],
      'unknown option "--rollback-on-failure"',
    ],
    [
      ["up", "--project", "app", "--config", "version"],
      '--config "version" is not KEY=VALUE: expected e.g. --config version=v2',
    ],
    [
      ["up", "--project", "app", "--parallel", "x"],
      '--parallel "x" is not valid: expected a whole number from 1 to 100000',
    ],
  ])("rejects %j with a clear message", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });

  it("takes --parallel for preview and up, as steady-deploy does", () => {
    expect(parseArgs(["up", "--project", "app", "--parallel", "64"]).parallel).toBe(64);
    expect(() => parseArgs(["up", "--project", "app", "--parallel", "0"])).toThrow(UsageError);
  });
});

describe("the repo tool's smoke checks", () => {
  it("reads the environment, --http and the summary file", () => {
    expect(parseArgs(["smoke", "--env", "prod", "--http", "--summary-md", "s.md"])).toMatchObject({
      command: "smoke",
      env: "prod",
      http: true,
      summaryMd: "s.md",
    });
  });
});

describe("steady-deploy options for CI", () => {
  it("reads the policy pack, its config and the Markdown summary file", () => {
    expect(
      parseArgs([
        "preview",
        "--project",
        "platform",
        "--env",
        "staging",
        "--policy-pack",
        "packages/policy",
        "--policy-pack-config",
        "packages/policy/config/staging.json",
        "--summary-md",
        "/tmp/summary.md",
      ]),
    ).toEqual({
      command: "preview",
      env: "staging",
      project: "platform",
      allow: [],
      rollbackOnFailure: false,
      realNode: false,
      http: false,
      config: {},
      policyPack: "packages/policy",
      policyPackConfig: "packages/policy/config/staging.json",
      summaryMd: "/tmp/summary.md",
    });
  });

  it.each([
    [["preview", "--project", "app", "--summary-md"], "--summary-md needs a value"],
    [
      ["preview", "--project", "app", "--policy-pack-config", "c.json"],
      "--policy-pack-config needs --policy-pack",
    ],
    [["demo", "--summary-md", "s.md"], 'unknown option "--summary-md"'],
  ])("rejects %j with a clear message", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});

describe("steady-deploy --summary-md", () => {
  it("still writes the summary when the run fails before the preview", async () => {
    const dir = mkdtempSync(join(tmpdir(), "steady-summary-"));
    const summary = join(dir, "summary.md");
    writeFileSync(summary, "earlier step\n");
    const saved = { ...process.env };
    // No Pulumi CLI there: opening the stack fails, as it would with an unreachable backend.
    process.env.STEADY_TOOLCHAIN_DIR = join(dir, "no-toolchain");
    process.env.STEADY_STATE_DIR = join(dir, "state");
    process.env.KUBECONFIG = join(dir, "kubeconfig");
    try {
      expect(
        await main(["preview", "--project", "app", "--env", "staging", "--summary-md", summary]),
      ).toBe(2);
      const md = readFileSync(summary, "utf8");
      expect(md.startsWith("earlier step\n### `organization/steady-app/staging`: preview")).toBe(
        true,
      );
      expect(md).toContain("**Preview failed** before the replacement guard could decide:");
      expect(md).toContain("no Pulumi CLI found (the toolchain's");
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("steady-repo-deploy --help", () => {
  it("is wired to steady-repo-deploy's usage", () => {
    // The process as users start it: @steady/deploy's runAsCli answers help, given this usage.
    const cli = join(__dirname, "..", "src", "cli.ts");
    const run = runTsCli(cli, ["help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage:\n {2}steady-repo-deploy demo/);
    expect(run.stdout).toContain(
      "  steady-repo-deploy canary  --canary-image IMAGE --canary-version VERSION",
    );
    expect(run.stdout).toMatch(
      /\n {2}canary {3}steady-deploy canary on the environment's app stack/,
    );
  });
});

describe("steady-repo-deploy canary arguments", () => {
  const CANARY = ["canary", "--canary-image", "steady/hello:1.1.0", "--canary-version", "v2"];

  it("runs on the environment's app stack with steady-deploy canary's defaults", () => {
    const args = parseArgs([...CANARY, "--env", "prod"]);
    expect(args).toMatchObject({ command: "canary", env: "prod", project: "app" });
    expect(args.canary).toEqual({
      target: { image: "steady/hello:1.1.0", version: "v2" },
      windowSeconds: 60,
      checkEverySeconds: 5,
      port: 8080,
    });
    expect(canaryRunOf(args)).toEqual({
      ...args.canary,
      allow: [],
      policyPacks: [],
      policyPackConfigs: [],
      stackName: "organization/steady-app/prod",
    });
  });

  it("takes the canary's own options and up's, in any order", () => {
    const args = parseArgs([
      "canary",
      "--window",
      "30",
      "--canary-version",
      "v2",
      "--stack",
      "drills",
      "--canary-image",
      "i:2",
      "--failure-ratio",
      "0.2",
      "--analysis",
      "a.json",
      "--port",
      "9090",
      "--config",
      "replicas=5",
      "--parallel",
      "16",
      "--summary-md",
      "s.md",
      "--allow",
      "urn:x",
    ]);
    expect(args.canary).toEqual({
      target: { image: "i:2", version: "v2", failureRatio: "0.2" },
      windowSeconds: 30,
      checkEverySeconds: 5,
      analysisFile: "a.json",
      port: 9090,
    });
    expect(canaryRunOf(args)).toMatchObject({
      parallel: 16,
      summaryMd: "s.md",
      allow: ["urn:x"],
      stackName: "organization/steady-app/drills",
    });
    expect(args.config).toEqual({ replicas: "5" });
  });

  it("names every bad canary option at once, as steady-deploy canary does", () => {
    expect(() => parseArgs(["canary", "--window", "0", "--canary-version", "v 2"])).toThrow(
      new UsageError(
        [
          "--canary-image is required: the image of the version under test",
          "--canary-version is required: a label value such as v1.2.4",
          '--window "0": expected whole seconds from 1 to 3600',
        ].join("\n"),
      ),
    );
  });

  it.each([
    [[...CANARY, "--project", "platform"], 'unknown option "--project"'],
    [[...CANARY, "--rollback-on-failure"], 'unknown option "--rollback-on-failure"'],
    [["up", "--project", "app", "--canary-image", "i:2"], 'unknown option "--canary-image"'],
    [[...CANARY, "--window"], "--window needs a value"],
  ])("rejects %j", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
