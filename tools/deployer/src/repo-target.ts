import type { RunTarget } from "@steady/deploy";
import { stateDir } from "./paths";
import { pulumiEnv } from "./pulumi-env";
import { cliLineOf, openStack, type OpenStackOptions } from "./stack-runner";
import { PROJECTS } from "./workspace";

/** One of the repo's Pulumi projects, by its short name. */
export type RepoProject = keyof typeof PROJECTS;

/** The command that recovers a stack of this repo, as the user would type it. */
export function recoverCommand(project: string, env: string, stack?: string): string {
  const stackFlag = stack && stack !== env ? ` --stack ${stack}` : "";
  return `steady-repo-deploy recover --project ${project} --env ${env}${stackFlag}`;
}

/** The local file backend, or PULUMI_BACKEND_URL. */
export const backendUrl = (): string => pulumiEnv().PULUMI_BACKEND_URL!;

/**
 * Opens a stack of one of the repo's projects in its work directory for @steady/deploy's runs
 * (runDeploy, runRecover), printing the line that names the CLI and the plugins in its state.
 * The `up` command and the demo both open their stacks here, so both runs get the same target:
 * the same backend, recover command and state directory (reports, plans, tuning).
 */
export async function openRepoTarget(
  project: RepoProject,
  opts: OpenStackOptions,
  log: (line: string) => void = console.log,
): Promise<RunTarget> {
  const stack = await openStack(PROJECTS[project], opts);
  // One export for the first line and the run (tuning, rollout watch): @steady/deploy reuses it.
  const state = await stack.exportStack();
  log(await cliLineOf(stack, state));
  return {
    state,
    stack,
    backendUrl: backendUrl(),
    recover: recoverCommand(project, opts.env, opts.stack),
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    stateDir: stateDir(),
  };
}
