import { LocalWorkspace, type PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { cliLine, pluginsInState, resolveCli, type ResolvedCli } from "@steady/deploy";
import { repoCliChoice } from "./paths";
import { pulumiEnv } from "./pulumi-env";
import { prepareWorkDir, type ProjectRef } from "./workspace";

let resolved: Promise<ResolvedCli> | undefined;

/** The repo's Pulumi CLI (repoCliChoice), found once per process and checked against the SDK's minimum. */
function repoCli(): Promise<ResolvedCli> {
  resolved ??= resolveCli(repoCliChoice()).catch((e: Error) => {
    resolved = undefined;
    throw e;
  });
  return resolved;
}

/**
 * The repo's Pulumi CLI (repoCliChoice: the toolchain unless STEADY_USE_TOOLCHAIN=0), checked
 * against the SDK's minimum version. Each command runs in its own process group and is cancelled
 * gracefully when the run is aborted (interrupt.ts).
 */
export async function pulumiCommand(): Promise<PulumiCommand> {
  return (await repoCli()).command;
}

/**
 * The line a run of this repo's tool starts with: which CLI, and the plugins in `stack`'s state.
 * Give the state when it has been exported already (each export is a `pulumi stack export`).
 */
export async function cliLineOf(stack: Stack, state?: unknown): Promise<string> {
  const exported = state ?? (await stack.exportStack());
  return cliLine(await repoCli(), pluginsInState(exported), "steady-repo-deploy");
}

/** Options of {@link openStack}. */
export interface OpenStackOptions {
  /** Committed `Pulumi.<env>.yaml` to start from. */
  readonly env: string;
  /** Stack name. @default - same as env */
  readonly stack?: string;
  /** Config overrides by key (no project prefix); `null` removes a key. */
  readonly config?: Record<string, string | number | boolean | null>;
  /** Kubeconfig path for the provider. @default - KUBECONFIG */
  readonly kubeconfig?: string;
  /** Fail when the stack does not exist instead of creating it (for `recover`). @default false */
  readonly mustExist?: boolean;
}

/**
 * Creates or selects a stack of one of the repo's projects in a work directory (committed files
 * stay untouched), with the toolchain CLI, the local backend and the given config.
 */
export async function openStack(project: ProjectRef, opts: OpenStackOptions): Promise<Stack> {
  const stackName = opts.stack ?? opts.env;
  const workDir = prepareWorkDir(project, opts.env, stackName, opts.config);
  const args = { stackName: `organization/${project.name}/${stackName}`, workDir };
  const ws = {
    pulumiCommand: await pulumiCommand(),
    envVars: pulumiEnv({ kubeconfig: opts.kubeconfig }),
  };
  if (!opts.mustExist) return LocalWorkspace.createOrSelectStack(args, ws);
  return LocalWorkspace.selectStack(args, ws).catch((e: Error) => {
    throw new Error(
      `there is no stack ${args.stackName} in ${ws.envVars.PULUMI_BACKEND_URL} (${/error: (.*)/.exec(e.message)?.[1] ?? e.message})`,
    );
  });
}
