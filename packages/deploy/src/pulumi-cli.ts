import { PulumiCommand } from "@pulumi/pulumi/automation";
import { accessSync, constants, existsSync, readdirSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { inOwnGroup } from "./pulumi-process";

/**
 * Which Pulumi CLI a run uses.
 * - `path`: the user's own CLI, `pulumi` on PATH, else `$PULUMI_HOME/bin/pulumi` (default
 *   `~/.pulumi/bin`, where Pulumi's installer puts it), with Pulumi's normal plugin handling
 *   (missing plugins are downloaded).
 * - `toolchain`: the CLI built from source into `dir` (tools/toolchain/build.sh), with automatic
 *   plugin acquisition off: the provider plugins are the toolchain's, found on PATH.
 */
export type CliChoice =
  { readonly mode: "path" } | { readonly mode: "toolchain"; readonly dir: string };

/**
 * Where the source-built toolchain lives: STEADY_TOOLCHAIN_DIR, else
 * `$HOME/.cache/steady/toolchain`. An empty variable counts as unset, as in build.sh's
 * `${STEADY_TOOLCHAIN_DIR:-…}`, so every tool of the repo agrees on one directory.
 */
export function defaultToolchainDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.STEADY_TOOLCHAIN_DIR || join(env.HOME || homedir(), ".cache", "steady", "toolchain");
}

/**
 * The CLI choice for a run: `--toolchain [DIR]` (given as `flag`: `true` for the default
 * directory, or the directory), else STEADY_USE_TOOLCHAIN=1 (directory: STEADY_TOOLCHAIN_DIR, or
 * the default), else the user's own CLI. STEADY_TOOLCHAIN_DIR alone only says where the toolchain
 * is; it never switches a run to it.
 */
export function chooseCli(
  flag: true | string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): CliChoice {
  if (typeof flag === "string") return { mode: "toolchain", dir: flag };
  if (flag === true || env.STEADY_USE_TOOLCHAIN === "1")
    return { mode: "toolchain", dir: defaultToolchainDir(env) };
  return { mode: "path" };
}

/** Thrown when no usable Pulumi CLI is found: names what was found and how to get one. */
export class CliUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CliUnavailable";
  }
}

/** An executable file named `name` in one of PATH's directories, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ""): string | undefined {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The minimum CLI version the installed Automation API accepts (its own constant). */
export function sdkMinimumVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { minimumVersion } = require("@pulumi/pulumi/automation/minimumVersion") as {
    minimumVersion: { version: string };
  };
  return minimumVersion.version;
}

const INSTALL_HINT =
  "install the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/, e.g. `curl -fsSL https://get.pulumi.com | sh`, or pulumi/actions in GitHub Actions) and put it on PATH, or run with --toolchain [DIR] to use a source-built toolchain";

/** A Pulumi CLI ready for the Automation API, and what the run's first line says about it. */
export interface ResolvedCli {
  readonly command: PulumiCommand;
  /** Absolute path of the `pulumi` binary. */
  readonly path: string;
  readonly version: string;
  readonly choice: CliChoice;
  /** Environment every CLI invocation gets (PATH, plugin acquisition). */
  readonly env: Record<string, string>;
}

/**
 * Finds the CLI of `choice` and checks it with the Automation API's own version check
 * (`PulumiCommand.get`); throws {@link CliUnavailable} naming the CLI looked for, the version
 * found, the SDK's minimum and how to get one.
 */
export async function resolveCli(
  choice: CliChoice,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ResolvedCli> {
  const root =
    choice.mode === "toolchain"
      ? choice.dir
      : findOnPath("pulumi", env.PATH)
        ? undefined
        : (env.PULUMI_HOME ?? join(homedir(), ".pulumi"));
  const path = root === undefined ? findOnPath("pulumi", env.PATH)! : join(root, "bin", "pulumi");
  const where =
    choice.mode === "toolchain"
      ? `the toolchain's ${path}`
      : root === undefined
        ? path
        : `no pulumi on PATH, nor ${path}`;
  if (!existsSync(path)) {
    const fix =
      choice.mode === "toolchain"
        ? "build it with `npm run toolchain` (tools/toolchain/build.sh) or point --toolchain / STEADY_TOOLCHAIN_DIR at a built one"
        : INSTALL_HINT;
    throw new CliUnavailable(
      `no Pulumi CLI found (${where}); the installed @pulumi/pulumi needs at least ${sdkMinimumVersion()}: ${fix}`,
    );
  }
  let command: PulumiCommand;
  try {
    command = await PulumiCommand.get(root === undefined ? {} : { root });
  } catch (e) {
    throw new CliUnavailable(
      `the Pulumi CLI ${path} cannot be used: ${(e as Error).message} (the installed @pulumi/pulumi needs at least ${sdkMinimumVersion()}): ${choice.mode === "toolchain" ? "rebuild the toolchain" : INSTALL_HINT}`,
    );
  }
  return {
    command: inOwnGroup(command),
    path,
    version: command.version?.toString() ?? "unknown",
    choice,
    env: cliEnv(choice, env),
  };
}

/**
 * The environment of every CLI invocation: no update check; in toolchain mode, the toolchain's
 * bin first on PATH (its provider plugins are found there) and automatic plugin acquisition off.
 * Backend, secrets provider and kubeconfig are the user's: never set here.
 */
export function cliEnv(
  choice: CliChoice,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = { PULUMI_SKIP_UPDATE_CHECK: "true" };
  if (choice.mode === "toolchain") {
    out.PATH = `${join(choice.dir, "bin")}${delimiter}${env.PATH ?? ""}`;
    out.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION = "true";
  }
  return out;
}

/** The resource plugins a toolchain ships (`pulumi-resource-*` next to its `pulumi`). */
export function toolchainPlugins(cli: ResolvedCli): string[] {
  if (cli.choice.mode !== "toolchain") return [];
  try {
    return readdirSync(dirname(cli.path)).filter((f) => f.startsWith("pulumi-resource-"));
  } catch {
    return [];
  }
}

/** The line every run starts with: which CLI (path, version, mode) and which plugins. */
export function cliLine(
  cli: ResolvedCli,
  plugins: readonly string[],
  tool = "steady-deploy",
): string {
  const mode =
    cli.choice.mode === "toolchain"
      ? `toolchain ${cli.choice.dir}, plugin downloads off`
      : "from PATH/PULUMI_HOME, Pulumi's own plugin handling";
  const shipped = toolchainPlugins(cli);
  const pluginText = [
    plugins.length
      ? `in the stack's state: ${plugins.join(", ")}`
      : "none in the stack's state yet",
    ...(shipped.length ? [`toolchain: ${shipped.join(", ")}`] : []),
  ].join("; ");
  return `${tool}: pulumi ${cli.version} at ${cli.path} (${mode}); plugins: ${pluginText}`;
}
