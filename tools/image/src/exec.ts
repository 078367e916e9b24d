import { spawn } from "node:child_process";

/** What a finished command printed and how it ended. */
export interface CommandResult {
  /** Everything written to stdout, decoded as UTF-8. */
  readonly stdout: string;
  /** Everything written to stderr, decoded as UTF-8. */
  readonly stderr: string;
  /** Exit code; null when a signal ended the command. */
  readonly code: number | null;
  /** The signal that ended the command, if one did. */
  readonly signal: NodeJS.Signals | null;
}

/** Options of {@link run} and {@link runChecked}. */
export interface RunOptions {
  /** Environment of the command. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory. @default the current one */
  readonly cwd?: string;
  /** How to get the program when it is not installed; added to the "not found" error. */
  readonly installHint?: string;
}

/** A program this package runs (umoci, ldd, ctr, runc) is not on PATH. */
export class MissingToolError extends Error {
  /**
   * @param tool the program's name.
   * @param installHint how to install it, e.g. `apt-get install -y umoci`.
   */
  constructor(
    readonly tool: string,
    installHint: string | undefined,
  ) {
    super(`${tool} not found on PATH.${installHint ? ` Install it: ${installHint}` : ""}`);
    this.name = "MissingToolError";
  }
}

/** A command exited with a non-zero code or was killed. */
export class CommandError extends Error {
  /**
   * @param argv the command line.
   * @param result how it ended and what it printed.
   */
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    const how = result.signal ? `was killed by ${result.signal}` : `exited with ${result.code}`;
    const detail = (result.stderr.trim() || result.stdout.trim()).split("\n").slice(-10);
    super(
      `\`${argv.join(" ")}\` ${how}` +
        (detail.length && detail[0] ? `:\n  ${detail.join("\n  ")}` : ""),
    );
    this.name = "CommandError";
  }
}

/**
 * Runs a program to completion and collects its output; never rejects for a non-zero exit.
 * @throws MissingToolError when the program does not exist.
 */
export function run(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.once("error", (e: NodeJS.ErrnoException) => {
      reject(e.code === "ENOENT" ? new MissingToolError(cmd, options.installHint) : e);
    });
    child.once("close", (code, signal) => {
      resolve({
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
        code,
        signal,
      });
    });
  });
}

/**
 * Runs a program and requires exit code 0.
 * @returns its stdout.
 * @throws MissingToolError when the program does not exist; CommandError naming the command,
 * its exit code and the end of its stderr otherwise.
 */
export async function runChecked(
  cmd: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<string> {
  const result = await run(cmd, args, options);
  if (result.code !== 0) throw new CommandError([cmd, ...args], result);
  return result.stdout;
}
