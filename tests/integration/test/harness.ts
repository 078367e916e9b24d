import { LocalWorkspace, type EngineEvent, type Stack } from "@pulumi/pulumi/automation";
import {
  openStack,
  pulumiCommand,
  pulumiEnv,
  PROJECTS,
  repoRoot,
  type OpenStackOptions,
} from "@steady/deployer";
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { KubeClient } from "@steady/deploy";
import { itDir, useItDirs } from "./env";

useItDirs();

/** The run's cluster kubeconfig (set by globalSetup). */
export function kubeconfig(): string {
  const k = process.env.STEADY_IT_KUBECONFIG;
  if (!k)
    throw new Error(
      "STEADY_IT_KUBECONFIG is not set: the integration tier's globalSetup did not run",
    );
  return k;
}

/** A client for the run's cluster. */
export function client(): KubeClient {
  return KubeClient.fromKubeconfig(kubeconfig());
}

type Config = NonNullable<OpenStackOptions["config"]>;

/** Opens a stack of the platform or app project on the run's cluster. */
export function stackOf(
  project: "platform" | "app",
  env: string,
  stack: string,
  config: Config = {},
): Promise<Stack> {
  return openStack(PROJECTS[project], { env, stack, config, kubeconfig: kubeconfig() });
}

/**
 * The files of a fixture that make up its program: Pulumi.yaml, JavaScript, and for a program in
 * Pulumi's default TypeScript layout its index.ts, package.json and tsconfig.json.
 */
function isProgramFile(name: string): boolean {
  return (
    ["Pulumi.yaml", "package.json", "tsconfig.json"].includes(name) ||
    name.endsWith(".js") ||
    name.endsWith(".ts")
  );
}

/**
 * Opens stack `stack` of a fixture program (tests/integration/fixtures/<fixture>, project
 * `steady-fixture-<fixture>`) on the run's cluster. The program runs from a copy in the run's
 * directory, so Pulumi's per-stack files never land in the fixture and no earlier run's config
 * can leak into this one.
 */
export async function fixtureStack(fixture: string, stack: string): Promise<Stack> {
  const source = join(__dirname, "..", "fixtures", fixture);
  const workDir = join(itDir(), "work", `fixture-${fixture}`);
  mkdirSync(workDir, { recursive: true });
  for (const f of readdirSync(source).filter(isProgramFile)) {
    copyFileSync(join(source, f), join(workDir, f));
  }
  return LocalWorkspace.createOrSelectStack(
    { stackName: `organization/steady-fixture-${fixture}/${stack}`, workDir },
    { pulumiCommand: await pulumiCommand(), envVars: pulumiEnv({ kubeconfig: kubeconfig() }) },
  );
}

/** `pulumi up`, returning plain outputs; Pulumi's output goes to the test log only on failure. */
export async function up(
  stack: Stack,
  opts: { onEvent?: (e: EngineEvent) => void } = {},
): Promise<Record<string, unknown>> {
  let log = "";
  try {
    const r = await stack.up({
      onOutput: (s) => (log += s),
      ...(opts.onEvent ? { onEvent: opts.onEvent } : {}),
    });
    return Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
  } catch (e) {
    throw new Error(`pulumi up of ${stack.name} failed:\n${log}\n${(e as Error).message}`);
  }
}

/** The step operation (`create`, `update`, `replace`, `delete`, `same`, ...) per resource URN of a preview. */
export async function previewOps(stack: Stack): Promise<Record<string, string>> {
  const ops: Record<string, string> = {};
  await stack.preview({
    onEvent: (e) => {
      const m = e.resourcePreEvent?.metadata;
      if (m) ops[m.urn] = ops[m.urn] && ops[m.urn] !== m.op ? `${ops[m.urn]},${m.op}` : m.op;
    },
  });
  return ops;
}

export { waitFor } from "@steady/testing";

/** Kubernetes objects the tests read. */
export interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    deletionTimestamp?: string;
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  spec?: any;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  status?: any;
}

/** Lists objects of a namespaced kind by API path segment, e.g. `apis/apps/v1` + `deployments`. */
export async function list(
  c: KubeClient,
  api: string,
  namespace: string,
  kind: string,
  selector?: string,
): Promise<Obj[]> {
  const q = selector ? `?labelSelector=${encodeURIComponent(selector)}` : "";
  return (await c.list<Obj>(`/${api}/namespaces/${namespace}/${kind}${q}`)).items;
}

/** Selector of the sample app's pods. */
export const APP_SELECTOR = "app.kubernetes.io/name=hello,app.kubernetes.io/instance=hello";

const CLI = join(repoRoot(), "tools", "deployer", "dist", "cli.js");

/** How a CLI run ended, with everything it wrote to stdout and stderr. */
export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

/**
 * A running `steady-repo-deploy` (the BUILT tools/deployer/dist/cli.js, on @steady/deploy) on the
 * run's cluster, leading its own process group as a job under a shell or CI does.
 */
export class CliRun {
  out = "";
  readonly startedAt = Date.now();
  readonly exited: Promise<Exit>;
  private readonly pid: number;

  constructor(args: string[], env: Record<string, string> = {}) {
    const child = spawn(process.execPath, [CLI, ...args], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, KUBECONFIG: kubeconfig(), ...env },
    });
    this.pid = child.pid!;
    child.stdout.on("data", (d: Buffer) => (this.out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (this.out += d.toString()));
    this.exited = new Promise((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal, out: this.out })),
    );
  }

  /**
   * Signals the whole process group, as Ctrl-C at a terminal or a runner that kills the job's
   * group does; with `onlyTheCli`, only the CLI's own pid, as `kill PID` or a runner that
   * signals just the step's process does.
   */
  signal(s: NodeJS.Signals, onlyTheCli = false): void {
    process.kill(onlyTheCli ? this.pid : -this.pid, s);
  }
}
