import {
  CANARY_FLAGS,
  parseCanaryOptions,
  parseParallel,
  type CanaryOptions,
} from "@steady/deploy";
import { PROJECTS } from "./workspace";

/** The parsed command line of the repo's deploy tool. */
export interface Args {
  command: "demo" | "preview" | "up" | "recover" | "smoke" | "canary";
  env: string;
  project?: keyof typeof PROJECTS;
  stack?: string;
  allow: string[];
  rollbackOnFailure: boolean;
  policyPack?: string;
  policyPackConfig?: string;
  summaryMd?: string;
  /** `--parallel N`. @default - @steady/deploy's resolveDeployTuning */
  parallel?: number;
  realNode: boolean;
  /** smoke: also check the app over HTTP. */
  http: boolean;
  /** `--config KEY=VALUE` overrides, in the order given. */
  config: Record<string, string>;
  /** canary: its own options (image, version, window…), checked by @steady/deploy. */
  canary?: CanaryOptions;
}

/** A usage error: exit 2, printed with the usage text. */
export class UsageError extends Error {}

const COMMANDS = ["demo", "preview", "up", "recover", "smoke", "canary"];
/** The switches (no value) and the one command each belongs to. */
const SWITCHES: Record<string, string> = {
  "--rollback-on-failure": "up",
  "--real-node": "demo",
  "--http": "smoke",
};
/** Options with a value, and the commands that take each. */
const VALUE_FLAGS: Record<string, readonly string[]> = {
  "--env": COMMANDS,
  "--project": ["preview", "up", "recover"],
  "--stack": ["preview", "up", "recover", "canary"],
  "--allow": ["preview", "up", "canary"],
  "--policy-pack": ["preview", "up", "canary"],
  "--policy-pack-config": ["preview", "up", "canary"],
  "--summary-md": ["preview", "up", "smoke", "canary"],
  "--parallel": ["preview", "up", "canary"],
  "--config": ["preview", "up", "canary"],
  // The canary's own options, checked as steady-deploy canary checks them.
  ...Object.fromEntries(CANARY_FLAGS.map((f) => [f, ["canary"]])),
};

/** `--parallel`'s value, checked by @steady/deploy, as this tool's UsageError. */
function parallelOf(value: string): number {
  try {
    return parseParallel(value);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Parses the command line (without node and the script); throws UsageError. */
export function parseArgs(argv: readonly string[]): Args {
  const [command, ...rest] = argv;
  if (!command || !COMMANDS.includes(command)) {
    throw new UsageError(
      command ? `unknown command ${JSON.stringify(command)}` : "no command given",
    );
  }
  const args: Args = {
    command: command as Args["command"],
    env: "dev",
    allow: [],
    rollbackOnFailure: false,
    realNode: false,
    http: false,
    config: {},
  };
  const canaryOwn: Record<string, string> = {};
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i]!;
    if (SWITCHES[flag] === command) {
      if (flag === "--rollback-on-failure") args.rollbackOnFailure = true;
      else if (flag === "--real-node") args.realNode = true;
      else args.http = true;
      continue;
    }
    if (!VALUE_FLAGS[flag]?.includes(command))
      throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    const value = rest[i + 1];
    if (value === undefined || value.startsWith("--"))
      throw new UsageError(`${flag} needs a value`);
    i++;
    if (CANARY_FLAGS.includes(flag)) canaryOwn[flag] = value;
    else setValue(args, flag, value);
  }
  if (command === "canary") args.canary = canaryOptionsOf(canaryOwn);
  return checked(args);
}

/** The canary's own options, checked by @steady/deploy, as this tool's UsageError. */
function canaryOptionsOf(own: Record<string, string>): CanaryOptions {
  try {
    return parseCanaryOptions(own);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function setValue(args: Args, flag: string, value: string): void {
  if (flag === "--env") args.env = value;
  else if (flag === "--stack") args.stack = value;
  else if (flag === "--allow") args.allow.push(value);
  else if (flag === "--policy-pack") args.policyPack = value;
  else if (flag === "--policy-pack-config") args.policyPackConfig = value;
  else if (flag === "--summary-md") args.summaryMd = value;
  else if (flag === "--parallel") args.parallel = parallelOf(value);
  else if (flag === "--config") {
    const m = /^([A-Za-z_][\w.-]*)=([\s\S]*)$/.exec(value);
    if (!m)
      throw new UsageError(
        `--config ${JSON.stringify(value)} is not KEY=VALUE: expected e.g. --config version=v2 (KEY without the project prefix)`,
      );
    args.config[m[1]!] = m[2]!;
  } else if (value === "platform" || value === "app") args.project = value;
  else
    throw new UsageError(
      `--project ${JSON.stringify(value)} is not a project: expected platform or app`,
    );
}

function checked(args: Args): Args {
  if (!["dev", "staging", "prod"].includes(args.env)) {
    throw new UsageError(
      `--env ${JSON.stringify(args.env)} is not an environment: expected dev, staging or prod`,
    );
  }
  if (["preview", "up", "recover"].includes(args.command) && !args.project)
    throw new UsageError(`${args.command} needs --project platform|app`);
  // The canary settings (canaryImage, canaryReplicas…) and the metrics are the sample app's.
  if (args.command === "canary") args.project = "app";
  if (args.policyPackConfig && !args.policyPack)
    throw new UsageError("--policy-pack-config needs --policy-pack");
  return args;
}
