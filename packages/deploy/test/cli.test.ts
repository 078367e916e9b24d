import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTsCli } from "@steady/testing";
import { findKubeconfig, main } from "../src/cli";
import { qualifiedName } from "../src/open-stack";
import { cliLine, type ResolvedCli } from "../src/pulumi-cli";

describe("steady-deploy --help", () => {
  it("is wired to steady-deploy's usage", () => {
    // The process as users start it: runAsCli answers help (test/help.test.ts), given this usage.
    const cli = join(__dirname, "..", "src", "cli.ts");
    const run = runTsCli(cli, ["--help"]);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^usage:\n {2}steady-deploy preview/);
    // Every command main dispatches is in the usage, with its exit code.
    for (const command of ["preview", "up", "recover", "smoke", "canary"]) {
      expect(run.stdout).toContain(`  steady-deploy ${command} `);
    }
    expect(run.stdout).toContain("6 steady-deploy canary aborted by its analysis");
  });
});

describe("steady-deploy on bad input", () => {
  let dir: string;
  let errors: string;
  const saved = { ...process.env };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "steady-deploy-cli-"));
    mkdirSync(join(dir, "bin"));
    const pulumi = join(dir, "bin", "pulumi");
    writeFileSync(pulumi, '#!/bin/sh\n[ "$1" = version ] && echo v3.248.0\n');
    chmodSync(pulumi, 0o755);
    process.env.PATH = `${join(dir, "bin")}:/bin:/usr/bin`;
    process.env.PULUMI_HOME = join(dir, "pulumi-home");
    errors = "";
    jest.spyOn(console, "error").mockImplementation((s: string) => void (errors += `${s}\n`));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it("exits 2 with the usage for a malformed command line", async () => {
    expect(await main(["up", "--stack"])).toBe(2);
    expect(errors).toContain("--stack needs a value\n\nusage:");
  });

  it("exits 2 naming the directory when it holds no Pulumi.yaml, and still writes the summary", async () => {
    const summary = join(dir, "summary.md");
    expect(await main(["up", "--cwd", dir, "--stack", "dev", "--summary-md", summary])).toBe(2);
    expect(errors).toContain(`--cwd ${dir}: there is no Pulumi.yaml there`);
    expect(readFileSync(summary, "utf8")).toContain("### `dev`: up");
  });

  it("exits 2 when the stack names another project", async () => {
    writeFileSync(join(dir, "Pulumi.yaml"), "name: shop\nruntime: nodejs\n");
    expect(await main(["preview", "--cwd", dir, "--stack", "acme/bank/prod"])).toBe(2);
    expect(errors).toContain(
      `--stack acme/bank/prod names project bank, but ${dir}/Pulumi.yaml is project shop: expected ORG/shop/STACK, or a plain stack name`,
    );
  });

  it.each(["recover", "smoke"])("exits 2 from %s when no CLI is found", async (command) => {
    process.env.PATH = "/bin:/usr/bin";
    expect(await main([command, "--cwd", dir])).toBe(2);
    expect(errors).toMatch(/steady-deploy: no Pulumi CLI found \(no pulumi on PATH, nor .*\)/);
  });
});

describe("the first line of a run", () => {
  const cli = (choice: ResolvedCli["choice"]): ResolvedCli =>
    ({ path: "/usr/local/bin/pulumi", version: "3.276.0", choice, env: {} }) as ResolvedCli;

  it("names the CLI, its version and mode, and the plugins of the stack", () => {
    expect(cliLine(cli({ mode: "path" }), ["kubernetes 4.25.0"])).toBe(
      "steady-deploy: pulumi 3.276.0 at /usr/local/bin/pulumi (from PATH/PULUMI_HOME, Pulumi's own plugin handling); plugins: in the stack's state: kubernetes 4.25.0",
    );
    expect(cliLine(cli({ mode: "toolchain", dir: "/nonexistent" }), [])).toBe(
      "steady-deploy: pulumi 3.276.0 at /usr/local/bin/pulumi (toolchain /nonexistent, plugin downloads off); plugins: none in the stack's state yet",
    );
  });

  it("watches through --kubeconfig, else KUBECONFIG", () => {
    expect(findKubeconfig("k.yaml", {})).toBe(join(process.cwd(), "k.yaml"));
    expect(findKubeconfig(undefined, { KUBECONFIG: "/k" })).toBe("/k");
  });
});

describe("the stack's qualified name", () => {
  it.each([
    ["prod", "file:///state", "organization/shop/prod"],
    ["organization/prod", "file:///state", "organization/shop/prod"],
    ["acme/shop/prod", "file:///state", "acme/shop/prod"],
    ["prod", "https://api.pulumi.com", "prod"],
    ["acme/prod", "s3://bucket", "acme/prod"],
  ])("%s on %s is %s", (stack, backend, expected) => {
    expect(qualifiedName(stack, "shop", backend)).toBe(expected);
  });
});
