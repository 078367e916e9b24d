// @steady/deploy as a user outside this repository runs it: the BUILT `steady-deploy` bin, in
// its default CLI mode (the `pulumi` on PATH, Pulumi's normal plugin handling), on a project of
// its own (`--cwd`) with its own Pulumi.yaml and stack file, a file backend the user chose with
// PULUMI_BACKEND_URL and a passphrase of their own. The toolchain's `pulumi` is put on PATH the
// way a user's installed CLI would be; nothing here sets STEADY_USE_TOOLCHAIN.
import { repoRoot, toolchainDir } from "@steady/deployer";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { itDir } from "./env";
import { client, kubeconfig, list, type Obj } from "./harness";

/** The CLI release the toolchain builds (versions.env, the one place it is written). */
function toolchainPulumiVersion(): string {
  const env = readFileSync(join(repoRoot(), "tools", "toolchain", "versions.env"), "utf8");
  const version = /^PULUMI_VERSION=(\S+)$/m.exec(env)?.[1];
  if (!version) throw new Error("tools/toolchain/versions.env has no PULUMI_VERSION= line");
  return version;
}

const BIN = require.resolve("@steady/deploy/package.json").replace(/package\.json$/, "dist/cli.js");
const NS = "steady-shop";
/** The user's project, a copy under the run's directory (so it resolves @pulumi/kubernetes). */
const PROJECT = join(itDir(), "deploy-package", "shop");
const BACKEND = join(itDir(), "deploy-package", "backend");

const PROGRAM = `const k8s = require("@pulumi/kubernetes");
const pulumi = require("@pulumi/pulumi");
const { SimulatedNodePool } = require("@steady/cluster");
const config = new pulumi.Config();
// A node of its own for the pods (kwok simulates it on the local cluster).
new SimulatedNodePool("shop", { count: 1, namePrefix: "shop-node" });
const labels = { app: config.require("selector") };
const ns = new k8s.core.v1.Namespace("shop", { metadata: { name: "${NS}" } });
const namespace = ns.metadata.name;
const deployment = new k8s.apps.v1.Deployment("web", {
  metadata: { namespace, annotations: { "pulumi.com/timeoutSeconds": "120" } },
  spec: {
    replicas: 1,
    selector: { matchLabels: labels },
    template: {
      metadata: { labels },
      spec: {
        automountServiceAccountToken: false,
        containers: [{ name: "app", image: config.require("image") }],
      },
    },
  },
});
const service = new k8s.core.v1.Service("web", { metadata: { namespace }, spec: { selector: labels, ports: [{ port: 80 }] } });
// What \`steady-deploy smoke\` reads.
exports.namespace = namespace;
exports.deploymentName = deployment.metadata.name;
exports.serviceName = service.metadata.name;
`;

/** Runs the built bin the way `npx steady-deploy ...` would, in the project's directory. */
function steadyDeploy(args: string[]): { code: number | null; out: string; seconds: number } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The user's CLI on PATH; their own PULUMI_HOME (no plugins installed there).
    PATH: `${join(toolchainDir(), "bin")}:${process.env.PATH}`,
    PULUMI_HOME: join(itDir(), "deploy-package", "pulumi-home"),
    PULUMI_BACKEND_URL: `file://${BACKEND}`,
    PULUMI_CONFIG_PASSPHRASE: "the-shops-own-passphrase",
  };
  for (const k of ["STEADY_USE_TOOLCHAIN", "STEADY_STATE_DIR", "KUBECONFIG"]) delete env[k];
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT, env, encoding: "utf8" });
  const out = `${r.stdout}${r.stderr}`;
  return { code: r.status, out, seconds: (Date.now() - started) / 1000 };
}

async function deployment(): Promise<
  Obj & { metadata: { uid?: string; resourceVersion?: string } }
> {
  const kube = client();
  try {
    const ds = await list(kube, "apis/apps/v1", NS, "deployments");
    expect(ds).toHaveLength(1);
    return ds[0]!;
  } finally {
    kube.close();
  }
}

beforeAll(() => {
  rmSync(join(itDir(), "deploy-package"), { recursive: true, force: true });
  mkdirSync(PROJECT, { recursive: true });
  mkdirSync(BACKEND, { recursive: true });
  writeFileSync(join(PROJECT, "Pulumi.yaml"), "name: shop\nruntime: nodejs\nmain: index.js\n");
  writeFileSync(join(PROJECT, "index.js"), PROGRAM);
  writeFileSync(
    join(PROJECT, "Pulumi.prod.yaml"),
    "config:\n  shop:selector: web\n  shop:image: steady/hello:1.0.0\n",
  );
});

describe("steady-deploy on a project and stack of the user's own", () => {
  it("refuses an unknown stack with exit 2, naming it and how to create it", () => {
    const r = steadyDeploy(["preview", "--stack", "prod", "--kubeconfig", kubeconfig()]);
    expect(r.out).toContain("--stack prod: there is no such stack of project shop");
    expect(r.out).toContain("pulumi stack init prod");
    expect(r.code).toBe(2);
  });

  it("creates the stack's resources with up, saying which CLI and plugins it used", async () => {
    const r = steadyDeploy([
      "up",
      "--stack",
      "prod",
      "--create-stack",
      "--kubeconfig",
      kubeconfig(),
    ]);
    process.stderr.write(
      `[deploy-package] first up: exit ${r.code} in ${r.seconds.toFixed(1)} s\n`,
    );
    expect(r.out).toContain(
      `steady-deploy: pulumi ${toolchainPulumiVersion()} at ${join(toolchainDir(), "bin", "pulumi")} (from PATH/PULUMI_HOME, Pulumi's own plugin handling); plugins: none in the stack's state yet`,
    );
    expect(r.out).toContain(
      `steady-deploy: stack organization/shop/prod (--stack, created by --create-stack) in ${PROJECT}`,
    );
    expect(r.code).toBe(0);
    const d = await deployment();
    expect(d.spec.selector.matchLabels).toEqual({ app: "web" });
    // Plans go next to the project unless STEADY_STATE_DIR says otherwise.
    expect(readdirSync(join(PROJECT, ".steady", "plans"))).toEqual(["organization_shop_prod.json"]);
    expect(existsSync(join(BACKEND, ".pulumi", "stacks", "shop", "prod.json"))).toBe(true);
  });

  it("smoke-checks the deployed app and finds no drift", () => {
    const r = steadyDeploy(["smoke", "--stack", "prod", "--kubeconfig", kubeconfig()]);
    expect(r.out).toMatch(/^ok {3}rollout complete: desired 1, updated 1, ready 1, available 1/m);
    expect(r.out).toMatch(/^ok {3}service endpoints: 1 ready/m);
    expect(r.out).toMatch(/^ok {3}no drift: organization\/shop\/prod/m);
    expect(r.out).toContain("smoke checks of organization/shop/prod: 5 passed, 0 failed");
    expect(r.code).toBe(0);
  });

  it("refuses a change that replaces a Deployment with exit 3, and applies nothing", async () => {
    const before = await deployment();
    const r = steadyDeploy([
      "up",
      "--stack",
      "organization/shop/prod",
      "--config",
      "selector=renamed",
      "--kubeconfig",
      kubeconfig(),
    ]);
    process.stderr.write(
      `[deploy-package] refused up: exit ${r.code} in ${r.seconds.toFixed(1)} s\n`,
    );
    // The second run's first line names the provider the stack's state records.
    expect(r.out).toMatch(/plugins: in the stack's state: kubernetes 4\.25\.0/);
    expect(r.out).toContain("kubernetes:apps/v1:Deployment");
    expect(r.out).toMatch(/spec\.selector/);
    expect(r.code).toBe(3);
    const after = await deployment();
    expect(after.metadata.uid).toBe(before.metadata.uid);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.spec.selector.matchLabels).toEqual({ app: "web" });
    // `pulumi up --config` semantics: the value is saved in the user's stack file.
    expect(readFileSync(join(PROJECT, "Pulumi.prod.yaml"), "utf8")).toMatch(
      /shop:selector: renamed/,
    );
  });
});
