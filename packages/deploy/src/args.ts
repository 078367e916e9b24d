import { parseParallel } from "./deploy-tuning";

/** A usage error: exit 2, printed with the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The commands of steady-deploy. */
export const COMMANDS = ["preview", "up", "recover", "smoke"] as const;
export type Command = (typeof COMMANDS)[number];

/** The parsed command line of steady-deploy. */
export interface DeployArgs {
  readonly command: Command;
  /** The project directory (holds Pulumi.yaml). @default - the current directory */
  readonly cwd: string;
  /** `ORG/PROJECT/STACK`, `ORG/STACK` or a plain stack name; undefined: the selected stack. */
  readonly stack?: string;
  /** Create the stack when it does not exist (`pulumi stack init`). */
  readonly createStack: boolean;
  /** `--toolchain` alone: true; `--toolchain DIR`: the directory. */
  readonly toolchain?: true | string;
  readonly kubeconfig?: string;
  readonly allow: string[];
  readonly config: Record<string, string>;
  readonly policyPacks: string[];
  readonly policyPackConfigs: string[];
  readonly summaryMd?: string;
  readonly rollbackOnFailure: boolean;
  /** smoke: also check the app over HTTP. */
  readonly http: boolean;
  /** `--parallel N`. @default - see resolveDeployTuning */
  readonly parallel?: number;
}

/** Options that take a value, and the commands that accept each. */
const VALUE_FLAGS: Record<string, readonly Command[]> = {
  "--cwd": COMMANDS,
  "--stack": COMMANDS,
  "--kubeconfig": COMMANDS,
  "--allow": ["preview", "up"],
  "--config": ["preview", "up"],
  "--policy-pack": ["preview", "up"],
  "--policy-pack-config": ["preview", "up"],
  "--summary-md": ["preview", "up", "smoke"],
  "--parallel": ["preview", "up"],
};
/** Options without a value, and the commands that accept each. */
const SWITCHES: Record<string, readonly Command[]> = {
  "--rollback-on-failure": ["up"],
  "--create-stack": ["preview", "up"],
  "--http": ["smoke"],
};

/**
 * A stack reference as the Pulumi CLI takes it: `STACK`, `ORG/STACK` or `ORG/PROJECT/STACK`,
 * each part letters, digits, `-`, `_` or `.`.
 */
export const STACK_REF = /^(?:[\w.-]+\/){0,2}[\w.-]+$/;

/** A `--config` entry: KEY (optionally `namespace:key`) = VALUE. */
const CONFIG_ENTRY = /^([A-Za-z_][\w.-]*(?::[\w.-]+)?)=([\s\S]*)$/;

/** Parses steady-deploy's command line (without node and the script); throws UsageError. */
export function parseDeployArgs(argv: readonly string[], cwd = process.cwd()): DeployArgs {
  const [command, ...rest] = argv;
  if (!command || !(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      `${command ? `unknown command ${JSON.stringify(command)}` : "no command given"}: expected one of ${COMMANDS.join(", ")}`,
    );
  }
  const cmd = command as Command;
  const a = {
    command: cmd,
    cwd,
    createStack: false,
    allow: [] as string[],
    config: {} as Record<string, string>,
    policyPacks: [] as string[],
    policyPackConfigs: [] as string[],
    rollbackOnFailure: false,
    http: false,
  } as { -readonly [K in keyof DeployArgs]: DeployArgs[K] };
  for (let i = 0; i < rest.length; i++) {
    const [flag, inline] = splitInline(rest[i]!);
    if (flag === "--toolchain") {
      const next = rest[i + 1];
      a.toolchain = inline ?? (next !== undefined && !next.startsWith("--") ? (i++, next) : true);
      continue;
    }
    if (SWITCHES[flag]?.includes(cmd) && inline === undefined) {
      if (flag === "--rollback-on-failure") a.rollbackOnFailure = true;
      else if (flag === "--create-stack") a.createStack = true;
      else a.http = true;
      continue;
    }
    if (!VALUE_FLAGS[flag]?.includes(cmd)) {
      const known = [...Object.keys(VALUE_FLAGS), ...Object.keys(SWITCHES)].includes(flag);
      throw new UsageError(
        known ? `${flag} is not an option of ${cmd}` : `unknown option ${JSON.stringify(rest[i])}`,
      );
    }
    const value = inline ?? rest[++i];
    if (value === undefined || (inline === undefined && value.startsWith("--")))
      throw new UsageError(`${flag} needs a value`);
    setValue(a, flag, value);
  }
  if (a.stack !== undefined && !STACK_REF.test(a.stack))
    throw new UsageError(
      `--stack ${JSON.stringify(a.stack)} is not a stack name: expected STACK, ORG/STACK or ORG/PROJECT/STACK (letters, digits, -, _ and .)`,
    );
  if (a.policyPackConfigs.length > a.policyPacks.length)
    throw new UsageError("--policy-pack-config needs a --policy-pack (one config per pack)");
  return a;
}

/** `--flag=value` → [flag, value]; `--flag` → [flag, undefined]. */
function splitInline(arg: string): [string, string | undefined] {
  const eq = arg.indexOf("=");
  return arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
}

function setValue(
  a: { -readonly [K in keyof DeployArgs]: DeployArgs[K] },
  flag: string,
  value: string,
): void {
  if (flag === "--cwd") a.cwd = value;
  else if (flag === "--stack") a.stack = value;
  else if (flag === "--kubeconfig") a.kubeconfig = value;
  else if (flag === "--allow") a.allow.push(value);
  else if (flag === "--policy-pack") a.policyPacks.push(value);
  else if (flag === "--policy-pack-config") a.policyPackConfigs.push(value);
  else if (flag === "--summary-md") a.summaryMd = value;
  else if (flag === "--parallel") a.parallel = parseParallel(value);
  else {
    const m = CONFIG_ENTRY.exec(value);
    if (!m)
      throw new UsageError(
        `--config ${JSON.stringify(value)} is not KEY=VALUE: expected e.g. --config version=v2 or --config kubernetes:context=prod`,
      );
    a.config[m[1]!] = m[2]!;
  }
}
