import type { PulumiCommand } from "@pulumi/pulumi/automation";
import { spawn, spawnSync } from "node:child_process";
import { constants } from "node:os";
import { dirname, isAbsolute } from "node:path";
import { RunAborted, abortReason, runSignal, trackChild } from "./interrupt";

// The SDK's own result and error types, so callers still get CommandError,
// ConcurrentUpdateError, StackNotFoundError, ... exactly as from the SDK's runner. They are
// internal to @pulumi/pulumi (pinned to 3.248.0 in package.json), hence the local types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { CommandResult } = require("@pulumi/pulumi/automation/cmd") as {
  CommandResult: new (stdout: string, stderr: string, code: number, err?: Error) => unknown;
};
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { createCommandError } = require("@pulumi/pulumi/automation/errors") as {
  createCommandError: (result: unknown) => Error;
};

/** What the Automation API calls on its PulumiCommand for every CLI invocation (3.248). */
type Run = (
  args: string[],
  cwd: string,
  additionalEnv: Record<string, string>,
  onOutput?: (s: string) => void,
  onError?: (s: string) => void,
  signal?: AbortSignal,
) => Promise<{ stdout: string; stderr: string; code: number }>;

let pdeathsig: string[] | undefined;

/**
 * `setpriv --pdeathsig SIGKILL --`, when util-linux's setpriv is there: the kernel then kills the
 * `pulumi` process when the deployer dies, as it would if `pulumi` shared the deployer's process
 * group and the group were killed. Without it, a SIGKILL of the deployer would leave an unwatched
 * `pulumi` running in its own group.
 */
function deathSignalPrefix(): string[] {
  pdeathsig ??=
    spawnSync("setpriv", ["--pdeathsig", "SIGKILL", "--", "true"]).status === 0
      ? ["setpriv", "--pdeathsig", "SIGKILL", "--"]
      : [];
  return pdeathsig;
}

const stripFinalNewline = (s: string) => s.replace(/\r?\n$/, "");

/**
 * Runs one Pulumi CLI command the way the SDK does (same arguments, environment and errors),
 * except that `pulumi` leads its own process group. A Ctrl-C at a terminal, or a CI runner's
 * signal to the job's process group, then reaches only the deployer, which forwards exactly one
 * SIGINT: Pulumi's graceful cancel. Had `pulumi` received the group's SIGINT as well, the
 * forwarded one would have been its second, which means "terminate immediately" and leaves the
 * stack locked.
 */
export const runInOwnGroup = (command: string): Run =>
  function run(args, cwd, additionalEnv, onOutput, onError, signal) {
    const aborted = abortReason();
    if (aborted) return Promise.reject(new RunAborted(aborted));
    if (!args.includes("--non-interactive")) args.push("--non-interactive");
    const env: Record<string, string | undefined> = { ...process.env, ...additionalEnv };
    if (isAbsolute(command)) {
      env.PATH = `${dirname(command)}:${additionalEnv.PATH ?? process.env.PATH ?? ""}`;
    }
    env.PULUMI_AUTOMATION_API = "true";
    const [file, ...prefix] = [...deathSignalPrefix(), command];
    const child = spawn(file!, [...prefix, ...args], {
      cwd,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      onOutput?.(d);
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
      onError?.(d);
    });
    const exited = new Promise<number>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, sig) => resolve(code ?? 128 + (sig ? constants.signals[sig] : 0)));
    });
    const kill = (s: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, s);
      } catch {
        // already gone
      }
    };
    const untrack = trackChild({ pid: child.pid ?? -1, kill, exited: exited.then(() => {}) });
    const cancel = () => kill("SIGINT");
    const signals = [runSignal(), ...(signal ? [signal] : [])];
    for (const s of signals) s.addEventListener("abort", cancel, { once: true });
    return exited.then(
      (code) => {
        untrack();
        for (const s of signals) s.removeEventListener("abort", cancel);
        const result = new CommandResult(
          stripFinalNewline(stdout),
          stripFinalNewline(stderr),
          code,
        );
        if (code !== 0) throw createCommandError(result);
        return result as { stdout: string; stderr: string; code: number };
      },
      (err: Error) => {
        untrack();
        throw createCommandError(new CommandResult("", err.message, -2, err));
      },
    );
  };

/**
 * The same PulumiCommand with every CLI invocation run by {@link runInOwnGroup}: cancellable
 * through the run's abort signal (interrupt.ts), and safe from a process group's signals.
 */
export function inOwnGroup(command: PulumiCommand): PulumiCommand {
  const wrapped = Object.create(command) as PulumiCommand & { run: Run };
  wrapped.run = runInOwnGroup(command.command);
  return wrapped;
}
