import { toolchainBinDir } from "@steady/local-cluster";
import { KubeApiError, KubeClient } from "@steady/deploy";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { RecordedResource } from "../fixture/urn";
import { compareToBaseline, sortByUrn, type Baseline } from "../src/compat";
import { consumerCluster } from "../src/consumer-cluster";
import { checkPackedPackage, packageNameOf, specifiersOf } from "../src/package-check";
import { COMPAT_DIR, LIBRARY_PACKAGES, REPO_ROOT } from "../src/packages";
import { cleanEnv, run } from "../src/run";
import { DEPLOYED, SCENARIOS } from "../src/scenarios";
import {
  compileProgram,
  createConsumerProject,
  listFiles,
  packageAt,
  packLibraries,
  recordInProject,
  removeScratchDir,
  scratchDir,
  unpack,
  type PackResult,
} from "../src/scratch";
import { needs, stepTimer } from "../src/steps";

// Everything lives in a fresh directory outside the workspace (see scratchDir).
const work = scratchDir("steady-consumer-");
const project = join(work, "consumer");
const { timings, timed } = stepTimer();
let packed: PackResult[] | undefined;
let installed = false;
let compiled = false;

afterAll(() => {
  const sizes = (packed ?? []).map(
    (p) =>
      `  ${p.name.padEnd(20)} ${(p.size / 1024).toFixed(1).padStart(6)} kB packed, ${(p.unpackedSize / 1024).toFixed(1).padStart(6)} kB unpacked, ${p.entryCount} files`,
  );
  const times = Object.entries(timings).map(([k, v]) => `  ${k.padEnd(20)} ${v.toFixed(1)} s`);
  process.stderr.write(
    `[consumer] packages:\n${sizes.join("\n")}\n[consumer] times:\n${times.join("\n")}\n`,
  );
  removeScratchDir(work, "consumer");
});

describe("the library packages as a platform team installs them", () => {
  it("packs each package with everything its package.json promises, and nothing it does not need", async () => {
    packed = await timed("pack", () => packLibraries(join(work, "tarballs")));
    expect(packed.map((p) => p.name).sort()).toEqual(LIBRARY_PACKAGES.map((p) => p.name).sort());
    const problems: string[] = [];
    for (const lib of LIBRARY_PACKAGES) {
      const tarball = packed.find((p) => p.name === lib.name)!.tarball;
      const dir = await unpack(tarball, join(work, "unpacked", lib.dir));
      problems.push(...checkPackedPackage(lib, packageAt(dir)).map((p) => `${lib.name}: ${p}`));
    }
    expect(problems).toEqual([]);
  });

  it("installs from the tarballs alone, with the peers from the registry, into a project outside the workspace", async () => {
    needs(packed, "npm pack");
    expect(project.startsWith(REPO_ROOT)).toBe(false);
    await timed("install", () =>
      createConsumerProject(
        project,
        packed!.map((p) => p.tarball),
      ),
    );
    installed = true;
    // Every steady package comes from its tarball: none from the registry, none linked.
    const lock = JSON.parse(readFileSync(join(project, "package-lock.json"), "utf8")) as {
      packages: Record<string, { resolved?: string; link?: boolean }>;
    };
    const steady = Object.entries(lock.packages).filter(([path]) =>
      /(^|\/)node_modules\/@steady\/[^/]+$/.test(path),
    );
    expect(steady.map(([path]) => path).sort()).toEqual(
      LIBRARY_PACKAGES.map((p) => `node_modules/${p.name}`).sort(),
    );
    for (const [path, entry] of steady) {
      expect({ path, resolved: entry.resolved }).toEqual({
        path,
        resolved: expect.stringMatching(/^file:.*\.tgz$/),
      });
    }
  });

  it("resolves every module each installed package loads and every entry point it exports", () => {
    needs(installed, "the install");
    const problems: string[] = [];
    for (const lib of LIBRARY_PACKAGES) {
      const dir = join(project, "node_modules", ...lib.name.split("/"));
      const manifest = packageAt(dir).manifest;
      // An optional peer (the jest preset's compiler) is the user's to install, or not.
      const optional = new Set(
        Object.entries(manifest.peerDependenciesMeta ?? {})
          .filter(([, v]) => v.optional)
          .map(([k]) => k),
      );
      for (const f of listFiles(dir).filter((p) => p.endsWith(".js"))) {
        const file = join(dir, f);
        const req = createRequire(file);
        for (const spec of specifiersOf(readFileSync(file, "utf8"))) {
          if (optional.has(packageNameOf(spec))) continue;
          try {
            req.resolve(spec);
          } catch {
            problems.push(
              `${lib.name}/${f} loads ${spec}, which does not resolve in the consumer project`,
            );
          }
        }
      }
      const exports = Object.keys((manifest.exports ?? {}) as object).filter(
        (s) => !s.includes("*"),
      );
      const fromProject = createRequire(join(project, "package.json"));
      for (const subpath of exports) {
        const request = subpath === "." ? lib.name : `${lib.name}/${subpath.slice(2)}`;
        try {
          fromProject.resolve(request);
        } catch {
          problems.push(`${request} does not resolve from the consumer project`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it("compiles the consumer program against the packages' declarations (strict, declaration files checked too)", async () => {
    needs(installed, "the install");
    await timed("compile", () => compileProgram(project));
    compiled = true;
    expect(existsSync(join(project, "dist", "index.js"))).toBe(true);
  });
});

describe("the consumer program under mocks, on the packed packages", () => {
  const recorded: Record<string, RecordedResource[]> = {};
  const record = async (name: string, config: Readonly<Record<string, string>>) => {
    needs(compiled, "compiling the program");
    recorded[name] ??= sortByUrn(await recordInProject(project, config));
    return recorded[name]!;
  };
  let start = 0;
  beforeAll(() => {
    start = Date.now();
  });
  afterAll(() => {
    timings["mocks"] = (Date.now() - start) / 1000;
  });
  const types = (rs: RecordedResource[]) => rs.map((r) => r.type).sort();
  const byName = (rs: RecordedResource[], type: string, name: string) =>
    rs.find((r) => r.type === type && r.name === name);

  it("registers the Cluster's environment and the app, and nothing more, in the minimal scenario", async () => {
    const rs = await record("minimal", SCENARIOS.minimal!);
    expect(types(rs)).toEqual([
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:LimitRange",
      "kubernetes:core/v1:Namespace",
      "kubernetes:core/v1:ResourceQuota",
      "kubernetes:core/v1:Service",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "kubernetes:networking.k8s.io/v1:NetworkPolicy",
      "pulumi:providers:kubernetes",
      "steady:cluster:Cluster",
      "steady:deployment:AppDeployment",
    ]);
  });

  it("registers simulated nodes, hashed config, a budget and an autoscaler in the full scenario", async () => {
    const rs = await record("full", SCENARIOS.full!);
    const count = (t: string) => rs.filter((r) => r.type === t).length;
    expect(count("kubernetes:core/v1:Node")).toBe(3);
    expect(count("steady:cluster:SimulatedNodePool")).toBe(1);
    expect(count("kubernetes:core/v1:ConfigMap")).toBe(1);
    expect(count("kubernetes:policy/v1:PodDisruptionBudget")).toBe(1);
    expect(count("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")).toBe(1);
  });

  it.each(Object.keys(SCENARIOS))(
    "parents every Kubernetes object to a component and gives it the Cluster's provider (scenario %s)",
    async (scenario) => {
      const rs = await record(scenario, SCENARIOS[scenario]!);
      const provider = rs.find((r) => r.type === "pulumi:providers:kubernetes")!;
      expect(provider.parent).toBe(rs.find((r) => r.type === "steady:cluster:Cluster")!.urn);
      for (const r of rs.filter((x) => x.type.startsWith("kubernetes:"))) {
        expect({ urn: r.urn, top: r.parent === null, provider: r.provider }).toEqual({
          urn: r.urn,
          top: false,
          provider: provider.urn,
        });
      }
    },
  );

  it("selects the app's pods by name and instance only, in the Deployment and the Service", async () => {
    const rs = await record("full", SCENARIOS.full!);
    const labels = { "app.kubernetes.io/instance": "hello", "app.kubernetes.io/name": "hello" };
    expect(byName(rs, "kubernetes:apps/v1:Deployment", "hello")?.selector).toEqual({
      matchLabels: labels,
    });
    expect(byName(rs, "kubernetes:core/v1:Service", "hello-svc")?.selector).toEqual(labels);
  });

  const baselines = readdirSync(COMPAT_DIR)
    .filter((f) => /^baseline-.+\.json$/.test(f))
    .map((f) => JSON.parse(readFileSync(join(COMPAT_DIR, f), "utf8")) as Baseline);
  it.each(
    baselines.flatMap((b) => Object.keys(b.scenarios).map((s) => [b.version, s, b] as const)),
  )(
    "keeps every URN and selector of release %s (scenario %s), so existing stacks replace nothing",
    async (version, scenario, baseline) => {
      const { config, resources } = baseline.scenarios[scenario]!;
      const current = await record(`${version}/${scenario}`, config);
      expect(compareToBaseline(`${version}/${scenario}`, resources, current)).toEqual([]);
    },
  );
});

describe("the consumer program against a local cluster, with the real Pulumi CLI and provider", () => {
  const cluster = consumerCluster(
    process.env.STEADY_CONSUMER_CLUSTER_DIR ?? join(REPO_ROOT, ".steady", "consumer-it"),
    timed,
  );
  const stack = "organization/steady-consumer/dev";
  let kubeconfig = "";
  let env: NodeJS.ProcessEnv = {};
  let deployed: Record<string, unknown> | undefined;
  let start = 0;
  const pulumi = (...args: string[]) =>
    run("pulumi", [...args, "--stack", stack, "--non-interactive"], { cwd: project, env });

  beforeAll(async () => {
    start = Date.now();
    needs(compiled, "compiling the program");
    kubeconfig = await cluster.start();
    const state = join(work, "pulumi-state");
    mkdirSync(state, { recursive: true });
    env = cleanEnv({
      PATH: `${toolchainBinDir()}:${process.env.PATH ?? ""}`,
      PULUMI_BACKEND_URL: `file://${state}`,
      PULUMI_CONFIG_PASSPHRASE: randomBytes(16).toString("hex"),
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      KUBECONFIG: kubeconfig,
    });
    await run("pulumi", ["stack", "init", stack, "--non-interactive"], { cwd: project, env });
    const settings = Object.entries(DEPLOYED).filter(([, v]) => v !== "");
    await pulumi(
      "config",
      "set-all",
      ...settings.flatMap(([k, v]) => ["--plaintext", `${k}=${v}`]),
    );
  });

  afterAll(async () => {
    timings["cluster (total)"] = (Date.now() - start) / 1000;
    await cluster.stop();
  });

  it("deploys it with `pulumi up` under the packed policy pack: the app's Deployment becomes available", async () => {
    // The pack and its config, found the way the policy README tells users to.
    const fromProject = createRequire(join(project, "package.json"));
    const policy = dirname(fromProject.resolve("@steady/policy/package.json"));
    const policyConfig = fromProject.resolve("@steady/policy/config/dev.json");
    const out = await timed("pulumi up", () =>
      pulumi(
        "up",
        "--yes",
        "--skip-preview",
        "--policy-pack",
        policy,
        "--policy-pack-config",
        policyConfig,
      ),
    );
    const { version } = packed!.find((p) => p.name === "@steady/policy")!;
    expect(out).toContain(`steady-zero-downtime@v${version}`);
    expect(out).not.toMatch(/\[(mandatory|advisory)\]/);
    deployed = JSON.parse(await pulumi("stack", "output", "--json")) as Record<string, unknown>;
    const ns = deployed.namespace as string;
    const name = deployed.deploymentName as string;
    const client = KubeClient.fromKubeconfig(kubeconfig);
    const d = await client.get<{
      spec: { replicas: number };
      status: { availableReplicas?: number; conditions?: { type: string; status: string }[] };
    }>(`/apis/apps/v1/namespaces/${ns}/deployments/${name}`);
    expect(d.spec.replicas).toBe(2);
    expect(d.status.availableReplicas).toBe(2);
    expect(d.status.conditions).toContainEqual(
      expect.objectContaining({ type: "Available", status: "True" }),
    );
    expect(deployed.nodeNames).toEqual(["dev-node-0", "dev-node-1"]);
  });

  it("creates exactly the resources, with the URNs, that the program registers under mocks", async () => {
    needs(deployed, "pulumi up");
    const state = JSON.parse(await pulumi("stack", "export")) as {
      deployment: { resources?: { urn: string; type: string }[] };
    };
    const real = (state.deployment.resources ?? [])
      .filter((r) => r.type !== "pulumi:pulumi:Stack")
      .map((r) => r.urn.replace("urn:pulumi:dev::", "urn:pulumi:compat::"))
      .sort();
    const mocked = (await recordInProject(project, DEPLOYED)).map((r) => r.urn).sort();
    expect(real).toEqual(mocked);
  });

  it("removes everything with `pulumi destroy`", async () => {
    needs(deployed, "pulumi up");
    await timed("pulumi destroy", () => pulumi("destroy", "--yes", "--skip-preview"));
    const state = JSON.parse(await pulumi("stack", "export")) as {
      deployment: { resources?: unknown[] };
    };
    expect(state.deployment.resources ?? []).toEqual([]);
    const client = KubeClient.fromKubeconfig(kubeconfig);
    const status = await client
      .get(
        `/apis/apps/v1/namespaces/${deployed!.namespace as string}/deployments/${deployed!.deploymentName as string}`,
      )
      .then(
        () => 200,
        (e: unknown) => (e instanceof KubeApiError ? e.statusCode : 0),
      );
    expect(status).toBe(404);
    const nodes = (await client.list<{ metadata: { name: string } }>("/api/v1/nodes")).items.map(
      (n) => n.metadata.name,
    );
    expect(nodes).not.toContain("dev-node-0");
    await run("pulumi", ["stack", "rm", stack, "--yes", "--non-interactive"], {
      cwd: project,
      env,
    });
  });
});
