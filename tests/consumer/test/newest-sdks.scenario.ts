import { toolchainBinDir } from "@steady/local-cluster";
import { KubeApiError, KubeClient } from "@steady/deploy";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { consumerCluster } from "../src/consumer-cluster";
import { LIBRARY_PACKAGES, REPO_ROOT } from "../src/packages";
import { run, runOutcome } from "../src/run";
import { packLibraries, removeScratchDir, scratchDir, type PackResult } from "../src/scratch";
import { needs, stepTimer } from "../src/steps";
import {
  createTypeScriptProject,
  envWithNode,
  nodeBinDir,
  toolchainVersion,
} from "../src/typescript-project";

/**
 * A platform team on Node.js `major` (22 or 24, the LTS releases @pulumi/pulumi 3.249+ runs on)
 * with the newest @pulumi/pulumi and @pulumi/kubernetes, in the layout `pulumi new typescript`
 * gives (index.ts run through ts-node, no build step), deploying its own stack on a local
 * cluster of its own with `npx steady-deploy` from the packed @steady/deploy. Everything lives
 * under the OS temp dir. One test file per release calls this.
 */
export function newestSdksOn(major: "22" | "24"): void {
  const work = scratchDir(`steady-consumer-ts-node${major}-`);
  const project = join(work, "project");
  const stack = "organization/steady-consumer-ts/dev";
  /** The provider plugin release the toolchain builds: the only one on this machine. */
  const pluginVersion = toolchainVersion("PULUMI_KUBERNETES_VERSION");
  const { timings, timed } = stepTimer();
  const cluster = consumerCluster(
    process.env.STEADY_CONSUMER_TS_CLUSTER_DIR ??
      join(REPO_ROOT, ".steady", `consumer-ts-it-node${major}`),
    timed,
  );
  const versions: Record<string, string> = {};
  let env: NodeJS.ProcessEnv = {};
  let packed: PackResult[] | undefined;
  let installed = false;
  let kubeconfig = "";
  let deployed: Record<string, unknown> | undefined;

  const pulumi = (...args: string[]) =>
    run("pulumi", [...args, "--non-interactive"], { cwd: project, env });

  /**
   * `npx steady-deploy <command>` from the packed @steady/deploy on the consumer's own stack,
   * with the user's CLI (the `pulumi` on PATH: no --toolchain) and environment; returns its exit
   * code and output.
   */
  async function steadyDeploy(
    command: "preview" | "up",
  ): Promise<{ code: number | null; output: string }> {
    const r = await runOutcome(
      "npx",
      ["steady-deploy", command, "--cwd", project, "--stack", stack],
      {
        cwd: project,
        env,
      },
    );
    return { code: r.code, output: `${r.stdout}\n${r.stderr}` };
  }

  beforeAll(async () => {
    const nodeBin = await timed(`node ${major} (cache)`, () => nodeBinDir(major));
    env = envWithNode(nodeBin, {
      // The CLI as a user's installed one: the toolchain's, found on PATH.
      PATH: `${toolchainBinDir()}:${process.env.PATH ?? ""}`,
      // Plugins from this project's own plugin cache, not the toolchain's provider on PATH: the
      // engine would take a provider binary on PATH for any requested release (ambient plugin).
      PULUMI_HOME: join(work, "pulumi-home"),
      PULUMI_IGNORE_AMBIENT_PLUGINS: "true",
      PULUMI_BACKEND_URL: `file://${join(work, "pulumi-state")}`,
      PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      // Automatic plugin acquisition stays on, as for any user: the engine's up-front attempt to
      // download 4.34.2 (which @pulumi/kubernetes lists) fails here, and is only best effort.
    });
    mkdirSync(join(work, "pulumi-state"), { recursive: true });
  });

  afterAll(async () => {
    const lines = [...Object.entries(versions), ...Object.entries(timings)].map(
      ([k, v]) => `  ${k.padEnd(28)} ${typeof v === "number" ? `${v.toFixed(1)} s` : v}`,
    );
    process.stderr.write(`[consumer-ts node${major}] versions and times:\n${lines.join("\n")}\n`);
    try {
      await cluster.stop();
    } finally {
      removeScratchDir(work, "consumer-ts");
    }
  });

  describe(`a project in Pulumi's default TypeScript layout, on Node.js ${major} and the newest SDKs`, () => {
    it(`installs the packed packages with @pulumi/pulumi 3.276.0 and @pulumi/kubernetes 4.34.2 on Node.js ${major}`, async () => {
      packed = await timed("pack", () => packLibraries(join(work, "tarballs")));
      expect(project.startsWith(REPO_ROOT)).toBe(false);
      // The test helpers (@steady/testing) are for a project's tests, not its deploys.
      const runtime = packed.filter((p) => p.name !== "@steady/testing").map((p) => p.tarball);
      await timed("npm install", () => createTypeScriptProject(project, runtime, env));
      installed = true;
      const installedVersion = (name: string) =>
        (
          JSON.parse(
            readFileSync(join(project, "node_modules", ...name.split("/"), "package.json"), "utf8"),
          ) as { version: string }
        ).version;
      versions["node"] = (await run("node", ["--version"], { cwd: project, env })).trim();
      versions["npm"] = (await run("npm", ["--version"], { cwd: project, env })).trim();
      versions["@pulumi/pulumi"] = installedVersion("@pulumi/pulumi");
      versions["@pulumi/kubernetes"] = installedVersion("@pulumi/kubernetes");
      versions["typescript"] = installedVersion("typescript");
      versions["@steady/deploy"] = installedVersion("@steady/deploy");
      expect(versions).toMatchObject({
        node: expect.stringMatching(new RegExp(`^v${major}\\.`)),
        "@pulumi/pulumi": "3.276.0",
        "@pulumi/kubernetes": "4.34.2",
      });
      const steady = LIBRARY_PACKAGES.filter((p) => p.name !== "@steady/testing").map(
        (p) => p.name,
      );
      for (const name of steady) expect(existsSync(join(project, "node_modules", name))).toBe(true);
      // The default layout: no build output, no `main` in Pulumi.yaml, index.ts is the program.
      expect(readdirSync(project).filter((f) => f.endsWith(".js"))).toEqual([]);
    });

    it("installs the toolchain's provider plugin into the project's plugin cache under its own release", async () => {
      needs(installed, "the install");
      const binary = join(toolchainBinDir(), "pulumi-resource-kubernetes");
      await pulumi("plugin", "install", "resource", "kubernetes", pluginVersion, "--file", binary);
      const plugins = JSON.parse(await pulumi("plugin", "ls", "--json")) as {
        name: string;
        kind: string;
        version: string;
      }[];
      expect(plugins.map((p) => `${p.kind} ${p.name} ${p.version}`)).toEqual([
        `resource kubernetes ${pluginVersion}`,
      ]);
      versions["pulumi CLI"] = (await pulumi("version")).trim();
      versions["provider plugin"] = pluginVersion;
    });
  });

  describe("its own stack on a local cluster, deployed with steady-deploy", () => {
    beforeAll(async () => {
      needs(installed, "the install");
      kubeconfig = await cluster.start();
      env = { ...env, KUBECONFIG: kubeconfig };
      await pulumi("stack", "init", stack);
      await pulumi("config", "set", "kubernetesPluginVersion", pluginVersion, "--stack", stack);
    });

    it("previews and deploys it: the app's Deployment becomes available on the simulated nodes", async () => {
      const preview = await timed("preview", () => steadyDeploy("preview"));
      expect(preview).toMatchObject({ code: 0 });
      // The user's CLI, found on PATH, with Pulumi's own plugin handling.
      expect(preview.output).toContain(
        `at ${join(toolchainBinDir(), "pulumi")} (from PATH/PULUMI_HOME, Pulumi's own plugin handling); plugins: none in the stack's state yet`,
      );
      const up = await timed("up", () => steadyDeploy("up"));
      expect(up).toMatchObject({ code: 0 });
      deployed = JSON.parse(await pulumi("stack", "output", "--json", "--stack", stack)) as Record<
        string,
        unknown
      >;
      const client = KubeClient.fromKubeconfig(kubeconfig);
      const d = await client.get<{
        status: { availableReplicas?: number; conditions?: { type: string; status: string }[] };
      }>(
        `/apis/apps/v1/namespaces/${deployed.namespace as string}/deployments/${deployed.deploymentName as string}`,
      );
      expect(d.status.availableReplicas).toBe(2);
      expect(d.status.conditions).toContainEqual(
        expect.objectContaining({ type: "Available", status: "True" }),
      );
      expect(deployed.nodeNames).toEqual(["ts-node-0", "ts-node-1"]);
    });

    it("gives the program Node.js's compile cache in the project's state directory", () => {
      needs(deployed, "the up");
      // steady-deploy sets NODE_COMPILE_CACHE for the CLI; the engine, the language host and
      // the program inherit it, and Node.js 22+ writes its cache there.
      const cache = join(project, ".steady", "node-compile-cache");
      expect(existsSync(cache) ? readdirSync(cache).length : 0).toBeGreaterThan(0);
    });

    it("runs the Cluster's provider on the plugin release the program asks for", async () => {
      needs(deployed, "the up");
      const state = JSON.parse(await pulumi("stack", "export", "--stack", stack)) as {
        deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] };
      };
      const providers = state.deployment.resources.filter(
        (r) => r.type === "pulumi:providers:kubernetes",
      );
      expect(providers.map((p) => p.inputs?.version)).toEqual([pluginVersion]);
    });

    it("refuses a replacement of the namespace: exit 3, and nothing is applied", async () => {
      needs(deployed, "the up");
      const renamed = "consumer-ts-renamed";
      await pulumi("config", "set", "namespace", renamed, "--stack", stack);
      const before = await pulumi("stack", "export", "--stack", stack);
      const refused = await timed("refused up", () => steadyDeploy("up"));
      expect(refused).toMatchObject({ code: 3 });
      expect(refused.output).toContain(
        `plugins: in the stack's state: kubernetes ${pluginVersion}`,
      );
      expect(refused.output).toMatch(/refusing to continue: \d+ resource\(s\) would be replaced/);
      expect(refused.output).toContain("kubernetes:core/v1:Namespace::dev-ns");
      expect(await pulumi("stack", "export", "--stack", stack)).toBe(before);
      const client = KubeClient.fromKubeconfig(kubeconfig);
      const status = (path: string) =>
        client.get(path).then(
          () => 200,
          (e: unknown) => (e instanceof KubeApiError ? e.statusCode : 0),
        );
      expect(await status(`/api/v1/namespaces/${renamed}`)).toBe(404);
      expect(await status(`/api/v1/namespaces/${deployed!.namespace as string}`)).toBe(200);
      await pulumi("config", "rm", "namespace", "--stack", stack);
    });

    it("removes everything with `pulumi destroy`", async () => {
      needs(deployed, "the up");
      await timed("destroy", () => pulumi("destroy", "--yes", "--skip-preview", "--stack", stack));
      const state = JSON.parse(await pulumi("stack", "export", "--stack", stack)) as {
        deployment: { resources?: unknown[] };
      };
      expect(state.deployment.resources ?? []).toEqual([]);
      await pulumi("stack", "rm", stack, "--yes");
    });
  });
}
