import { LocalWorkspace, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import * as yaml from "js-yaml";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { UsageError } from "./args";
import type { ResolvedCli } from "./pulumi-cli";
import { workspaceBackendUrl } from "./recover";

/** The project of a directory: its Pulumi.yaml (or Pulumi.yml) and the name in it. */
export function readProject(dir: string): { file: string; name: string } {
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (!file)
    throw new UsageError(
      `--cwd ${dir}: there is no Pulumi.yaml there: --cwd (default: the current directory) must be a Pulumi project's directory, the one holding its Pulumi.yaml`,
    );
  const name = (yaml.load(readFileSync(file, "utf8")) as { name?: unknown } | null)?.name;
  if (typeof name !== "string" || !name)
    throw new UsageError(`${file} has no project name: expected a top-level \`name: <project>\``);
  return { file, name };
}

/** Options of {@link openProjectStack}. */
export interface OpenProjectStackOptions {
  /** The project directory. */
  readonly cwd: string;
  /** The stack as the user named it; undefined: the workspace's selected stack. */
  readonly stack?: string;
  /** Create the stack when it does not exist. */
  readonly createStack?: boolean;
  readonly cli: ResolvedCli;
  /** Given to the CLI as KUBECONFIG (the provider's default cluster). */
  readonly kubeconfig?: string;
}

/**
 * Opens a stack of the project in `cwd` as it is: its own Pulumi.yaml and stack config, the
 * backend and secrets provider the user chose (PULUMI_BACKEND_URL, `pulumi login`,
 * PULUMI_CONFIG_PASSPHRASE[_FILE], a cloud KMS): none is set here. Returns the stack and how it
 * was chosen. Bad input (no project, a stack of another project, an unknown stack, no stack
 * given and none selected) throws a UsageError naming it and what is valid.
 */
export async function openProjectStack(
  o: OpenProjectStackOptions,
): Promise<{ stack: Stack; how: string }> {
  const workDir = resolve(o.cwd);
  const project = readProject(workDir);
  const parts = o.stack?.split("/") ?? [];
  if (parts.length === 3 && parts[1] !== project.name)
    throw new UsageError(
      `--stack ${o.stack} names project ${parts[1]}, but ${project.file} is project ${project.name}: expected ORG/${project.name}/STACK, or a plain stack name`,
    );
  const ws = await LocalWorkspace.create({
    workDir,
    pulumiCommand: o.cli.command,
    envVars: { ...o.cli.env, ...(o.kubeconfig ? { KUBECONFIG: o.kubeconfig } : {}) },
  });
  if (o.stack === undefined) {
    const selected = await ws.stack();
    if (!selected)
      throw new UsageError(
        `no --stack given and ${workDir} has no selected stack: pass --stack ORG/PROJECT/STACK or a stack name (${await stackList(ws)})`,
      );
    const name = qualifiedName(selected.name, project.name, await workspaceBackendUrl(ws));
    return { stack: await Stack.select(name, ws), how: "the workspace's selected stack" };
  }
  const name = qualifiedName(o.stack, project.name, await workspaceBackendUrl(ws));
  try {
    return { stack: await Stack.select(name, ws), how: "--stack" };
  } catch (e) {
    if (!(e instanceof StackNotFoundError) && !/no stack named/i.test((e as Error).message))
      throw e;
    if (o.createStack)
      return { stack: await Stack.create(name, ws), how: "--stack, created by --create-stack" };
    throw new UsageError(
      `--stack ${o.stack}: there is no such stack of project ${project.name} in this backend (${await stackList(ws)}); create it with \`pulumi stack init ${o.stack}\` in ${workDir}, or pass --create-stack`,
    );
  }
}

/**
 * The stack's fully qualified name where it can be known without asking a service: on a
 * `file://` (DIY) backend every stack is `organization/<project>/<stack>`, and the lock files
 * steady-deploy reads are laid out by that name. Other backends take the name as given.
 */
export function qualifiedName(stack: string, project: string, backendUrl: string): string {
  const parts = stack.split("/");
  if (parts.length === 3 || !backendUrl.startsWith("file://")) return stack;
  return `organization/${project}/${parts[parts.length - 1]}`;
}

/** `its stacks: a, b` or `it has no stacks yet`, for error messages. */
async function stackList(ws: LocalWorkspace): Promise<string> {
  try {
    const names = (await ws.listStacks()).map((s) => s.name);
    return names.length ? `its stacks: ${names.join(", ")}` : "the project has no stacks yet";
  } catch (e) {
    return `its stacks could not be listed: ${(e as Error).message.split("\n")[0]}`;
  }
}

/**
 * The resource plugins the stack's state records (`pulumi:providers:<name>` and their
 * versions), e.g. `kubernetes 4.25.0`; empty for a stack never deployed.
 */
export async function statePlugins(stack: Stack): Promise<string[]> {
  return pluginsInState(await stack.exportStack());
}

/** The resource plugins an exported state records: see {@link statePlugins}. */
export function pluginsInState(exported: unknown): string[] {
  const state = exported as {
    deployment?: {
      resources?: {
        type?: string;
        inputs?: { version?: string };
        outputs?: { version?: string };
      }[];
    };
  };
  const found = new Set<string>();
  for (const r of state.deployment?.resources ?? []) {
    if (!r.type?.startsWith("pulumi:providers:")) continue;
    const version = r.inputs?.version ?? r.outputs?.version;
    found.add(`${r.type.slice("pulumi:providers:".length)} ${version ?? "(version not recorded)"}`);
  }
  return [...found].sort();
}
