#!/usr/bin/env node
import { existsSync, appendFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { UsageError, parseDeployArgs, type DeployArgs } from "./args";
import { runCanaryCli } from "./canary-cli";
import { guardedKindsText } from "./guard";
import { openProjectStack, pluginsInState } from "./open-stack";
import { CliUnavailable, chooseCli, cliLine, resolveCli } from "./pulumi-cli";
import { backendUrlOf } from "./recover";
import type { RunTarget } from "./prepared-run";
import { EXIT, runAsCli, runDeploy, runRecover } from "./run";
import { formatChecks, formatChecksMarkdown, type CheckResult } from "./smoke";
import { smokeStack } from "./smoke-run";
import { USAGE } from "./usage";

/** The kubeconfig a run watches through: --kubeconfig, KUBECONFIG, else ~/.kube/config. */
export function findKubeconfig(flag: string | undefined, env = process.env): string | undefined {
  if (flag) return resolve(flag);
  if (env.KUBECONFIG) return env.KUBECONFIG;
  const home = join(homedir(), ".kube", "config");
  return existsSync(home) ? home : undefined;
}

/** The recover command for this run, as the user types it. */
function recoverCommandOf(a: DeployArgs, stackName: string): string {
  const toolchain =
    a.toolchain === undefined
      ? ""
      : a.toolchain === true
        ? " --toolchain"
        : ` --toolchain ${a.toolchain}`;
  return `steady-deploy recover --cwd ${resolve(a.cwd)} --stack ${stackName}${toolchain}`;
}

/**
 * Runs steady-deploy with `argv` (without node and the script); resolves to the exit code.
 * `--help` is answered before it, by {@link runAsCli}.
 */
export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "canary") return runCanaryCli(argv.slice(1), openTarget);
  let a: DeployArgs;
  try {
    a = parseDeployArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${USAGE(guardedKindsText())}`);
    return EXIT.usage;
  }
  const open = () => openTarget(a);
  if (a.command === "preview" || a.command === "up") {
    return runDeploy(open, {
      command: a.command,
      stackName: a.stack ?? "(the selected stack)",
      allow: a.allow,
      rollbackOnFailure: a.rollbackOnFailure,
      policyPacks: a.policyPacks,
      policyPackConfigs: a.policyPackConfigs,
      ...(a.parallel !== undefined ? { parallel: a.parallel } : {}),
      ...(a.summaryMd ? { summaryMd: a.summaryMd } : {}),
    });
  }
  let target: RunTarget;
  try {
    target = await open();
  } catch (e) {
    if (!(e instanceof UsageError || e instanceof CliUnavailable)) throw e;
    console.error(`steady-deploy: ${e.message}`);
    return EXIT.usage;
  }
  return a.command === "recover" ? runRecover(target) : runSmoke(a, target);
}

/**
 * Finds the CLI, opens the stack, prints the run's first lines (CLI and plugins, the stack) and
 * applies `--config`.
 */
async function openTarget(a: DeployArgs): Promise<RunTarget> {
  const cli = await resolveCli(chooseCli(a.toolchain));
  const kubeconfig = findKubeconfig(a.kubeconfig);
  const { stack, how } = await openProjectStack({
    cwd: a.cwd,
    ...(a.stack !== undefined ? { stack: a.stack } : {}),
    createStack: a.createStack,
    cli,
    ...(a.kubeconfig ? { kubeconfig: resolve(a.kubeconfig) } : {}),
  });
  // Read once: the first line names its plugins, the run sizes --parallel and watches from it.
  const state = await stack.exportStack();
  console.log(cliLine(cli, pluginsInState(state)));
  console.log(`steady-deploy: stack ${stack.name} (${how}) in ${resolve(a.cwd)}`);
  for (const [key, value] of Object.entries(a.config)) {
    // `pulumi up --config` semantics: set on the stack and saved in its Pulumi.<stack>.yaml.
    await stack.setConfig(key, { value });
    console.log(`steady-deploy: config ${key} set on ${stack.name} (saved in its stack file)`);
  }
  return {
    stack,
    backendUrl: await backendUrlOf(stack),
    recover: recoverCommandOf(a, stack.name),
    ...(kubeconfig ? { kubeconfig } : {}),
    stateDir: process.env.STEADY_STATE_DIR ?? join(resolve(a.cwd), ".steady"),
    state,
  };
}

/** `smoke`: the post-deploy checks of the stack's app; 1 when one fails. */
async function runSmoke(a: DeployArgs, t: RunTarget): Promise<number> {
  let results: CheckResult[];
  if (!t.kubeconfig) {
    results = [
      { name: "setup", ok: false, detail: "no kubeconfig: pass --kubeconfig or set KUBECONFIG" },
    ];
  } else {
    try {
      results = await smokeStack(t.stack, { kubeconfig: t.kubeconfig, http: a.http });
    } catch (e) {
      results = [{ name: "setup", ok: false, detail: (e as Error).message.split("\n")[0]! }];
    }
  }
  console.log(formatChecks(t.stack.name, results));
  if (a.summaryMd) appendFileSync(a.summaryMd, formatChecksMarkdown(t.stack.name, results));
  return results.every((r) => r.ok) ? EXIT.ok : EXIT.failed;
}

if (require.main === module) runAsCli(main, "steady-deploy", USAGE(guardedKindsText()));
