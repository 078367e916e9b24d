import { appendFileSync, readFileSync } from "node:fs";
import { UsageError, parseDeployArgs, type DeployArgs } from "./args";
import { parseCanaryAnalysisConfig, type CanaryAnalysisConfig } from "./canary-analysis";
import {
  CANARY_CHECK_SECONDS,
  CANARY_WINDOW_SECONDS,
  canaryExitCode,
  defaultCanaryPlan,
  runCanaryRollout,
  stackCanaryOps,
  writeCanaryReport,
  type CanaryRolloutReport,
  type CanaryTarget,
} from "./canary-rollout";
import { abortReason } from "./interrupt";
import { KubeClient } from "./kube-client";
import { openRunTarget, prepareRun, type PreparedRun, type RunTarget } from "./prepared-run";
import { EXIT, deployExitCode } from "./run";
import { formatCanarySummaryMarkdown } from "./summary";

/** Usage of `steady-deploy canary`. */
export const CANARY_USAGE = `usage: steady-deploy canary --canary-image IMAGE --canary-version VERSION
         [--failure-ratio R] [--window SECONDS] [--check-every SECONDS] [--analysis FILE.json]
         [--port PORT]
         [--cwd DIR] [--stack STACK] [--kubeconfig FILE] [--toolchain [DIR]] [--allow URN]...
         [--policy-pack DIR]... [--policy-pack-config FILE]... [--parallel N]
         [--summary-md FILE] [--config KEY=VALUE]...

  Moves IMAGE in as a canary next to the stable pods: 1 pod, 25 %, 50 %, then promotes it.
  Each step is a guarded up of the stack's canary settings (canaryImage, canaryVersion,
  canaryReplicas, canaryWeightPercent), after the same pre-flight as \`up\` (config size, lock
  check, refresh of a stale state, tuning) and with its rollout reports; between steps the
  canary's error rate and p99 are compared with the stable pods' over --window seconds
  (default ${CANARY_WINDOW_SECONDS}) on --port (default 8080), looking every --check-every seconds (default
  ${CANARY_CHECK_SECONDS}): a look whose error rate fails over enough requests decides at once, a pass waits
  for the window's end. A failed check takes the canary to 0
  pods (one more guarded up; stable untouched) and exits 6. The stack must export namespace
  and selector. Report: <state dir>/rollouts/canary-<stack>-<time>.json, its timeline next to
  it (.svg).

  Exit codes: 0 promoted, 6 aborted by the analysis, 1 a step failed, 2 bad usage, 5 the
  stack is locked (the message says what to run), 130/143 interrupted (SIGINT/SIGTERM).`;

/** Default port of the pods' `/metrics` (apps/hello serves it on its HTTP port). */
export const CANARY_METRICS_PORT = 8080;

/** The canary command's own options (the rest are `up`'s). */
export interface CanaryOptions {
  readonly target: CanaryTarget;
  readonly windowSeconds: number;
  /** Seconds between looks inside the window. */
  readonly checkEverySeconds: number;
  readonly analysisFile?: string;
  readonly port: number;
}

/** `steady-deploy canary`'s command line: its own options and, in `deploy`, up's. */
export interface CanaryArgs extends CanaryOptions {
  /** The rest, as `up` takes them. */
  readonly deploy: DeployArgs;
}

/** The flags that are the canary's own, each with a value; tools built on it accept them as is. */
export const CANARY_FLAGS: readonly string[] = [
  "--canary-image",
  "--canary-version",
  "--failure-ratio",
  "--window",
  "--check-every",
  "--analysis",
  "--port",
];

/**
 * Checks the canary's own options (flag to value, e.g. `{"--window": "30"}`); throws UsageError
 * naming every problem at once.
 */
export function parseCanaryOptions(own: Readonly<Record<string, string>>): CanaryOptions {
  const problems: string[] = [];
  const image = own["--canary-image"];
  const version = own["--canary-version"];
  if (!image) problems.push("--canary-image is required: the image of the version under test");
  if (!version || !/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.test(version)) {
    problems.push("--canary-version is required: a label value such as v1.2.4");
  }
  const ratio = own["--failure-ratio"];
  if (ratio !== undefined && !/^(0(\.[0-9]{1,3})?|1(\.0{1,3})?)$/.test(ratio)) {
    problems.push(
      `--failure-ratio ${JSON.stringify(ratio)}: expected a decimal from 0 to 1 with at most 3 decimal places`,
    );
  }
  const window = Number(own["--window"] ?? CANARY_WINDOW_SECONDS);
  if (!Number.isInteger(window) || window < 1 || window > 3600) {
    problems.push(
      `--window ${JSON.stringify(own["--window"])}: expected whole seconds from 1 to 3600`,
    );
  }
  // Checked against the window only when the window itself is valid (its own error says the rest).
  const windowOk = Number.isInteger(window) && window >= 1 && window <= 3600;
  const every = Number(
    own["--check-every"] ?? Math.min(CANARY_CHECK_SECONDS, windowOk ? window : 1),
  );
  if (!Number.isInteger(every) || every < 1 || (windowOk && every > window)) {
    problems.push(
      `--check-every ${JSON.stringify(own["--check-every"])}: expected whole seconds from 1 to the window${windowOk ? ` (${window})` : ""}`,
    );
  }
  const port = Number(own["--port"] ?? CANARY_METRICS_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    problems.push(`--port ${JSON.stringify(own["--port"])}: expected a port from 1 to 65535`);
  }
  if (problems.length > 0) throw new UsageError(problems.join("\n"));
  return {
    target: {
      image: image!,
      version: version!,
      ...(ratio !== undefined ? { failureRatio: ratio } : {}),
    },
    windowSeconds: window,
    checkEverySeconds: every,
    ...(own["--analysis"] ? { analysisFile: own["--analysis"] } : {}),
    port,
  };
}

/** Parses `steady-deploy canary …` (without `canary`); throws UsageError naming every problem. */
export function parseCanaryArgs(argv: readonly string[], cwd = process.cwd()): CanaryArgs {
  const own: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (!CANARY_FLAGS.includes(arg)) {
      rest.push(arg);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value`);
    own[arg] = value;
    i += 1;
  }
  const deploy = parseDeployArgs(["up", ...rest], cwd);
  return { ...parseCanaryOptions(own), deploy };
}

/** Reads the stack's `namespace` and `selector` outputs, which the scrapes need. */
async function scrapeTargetOf(t: RunTarget, port: number) {
  const outputs = await t.stack.outputs();
  const namespace = outputs["namespace"]?.value as unknown;
  const selector = outputs["selector"]?.value as unknown;
  if (typeof namespace !== "string" || typeof selector !== "object" || selector === null) {
    throw new UsageError(
      `stack ${t.stack.name} exports no namespace and selector: run a plain \`steady-deploy up\` with a program that exports both first`,
    );
  }
  return { namespace, selector: selector as Record<string, string>, port };
}

/** What {@link runCanary} takes: the canary's options and those of `up` it uses. */
export interface CanaryRun extends CanaryOptions {
  readonly allow: readonly string[];
  readonly policyPacks?: readonly string[];
  readonly policyPackConfigs?: readonly string[];
  /** `--parallel N`. @default - resolved by resolveDeployTuning */
  readonly parallel?: number;
  /** Appends a Markdown section to this file however the run ends. @default - none */
  readonly summaryMd?: string;
  /** The stack's name for the summary when opening it fails. */
  readonly stackName: string;
}

/** `steady-deploy canary …` (without `canary`): parses, then {@link runCanary}; 2 with the usage when bad. */
export async function runCanaryCli(
  argv: readonly string[],
  open: (a: DeployArgs) => Promise<RunTarget>,
): Promise<number> {
  let a: CanaryArgs;
  try {
    a = parseCanaryArgs(argv);
  } catch (e) {
    console.error(`steady-deploy canary: ${(e as Error).message}\n\n${CANARY_USAGE}`);
    return EXIT.usage;
  }
  const { deploy: d, ...own } = a;
  const run: CanaryRun = {
    ...own,
    allow: d.allow,
    policyPacks: d.policyPacks,
    policyPackConfigs: d.policyPackConfigs,
    ...(d.parallel !== undefined ? { parallel: d.parallel } : {}),
    ...(d.summaryMd ? { summaryMd: d.summaryMd } : {}),
    stackName: d.stack ?? "(the selected stack)",
  };
  return runCanary(run, () => open(d));
}

/**
 * The canary steps on the stack `open` opens. The stack goes through the same pre-flight as
 * `up` ({@link prepareRun}: config size, lock check, refresh of a stale state, the tuning), and
 * each step's up, the promotion's and the abort's are watched for rollout reports and run under
 * the outage bound. Exit codes: 0 promoted, 6 aborted by analysis, 1 a step failed, 2 bad usage,
 * 5 the stack is locked, 130/143 interrupted (SIGINT/SIGTERM). With `summaryMd`, appends a
 * Markdown section however it ends.
 */
export async function runCanary(o: CanaryRun, open: () => Promise<RunTarget>): Promise<number> {
  let analysis: CanaryAnalysisConfig;
  try {
    const raw = o.analysisFile
      ? (JSON.parse(readFileSync(o.analysisFile, "utf8")) as unknown)
      : undefined;
    analysis = parseCanaryAnalysisConfig(raw, o.analysisFile);
  } catch (e) {
    console.error(`steady-deploy canary: ${(e as Error).message}`);
    return EXIT.usage;
  }
  let t: RunTarget | undefined;
  let outcome: { report: CanaryRolloutReport; files: { json: string; svg: string } } | undefined;
  let code: number = EXIT.failed;
  try {
    t = await openRunTarget(open);
    if (!t.kubeconfig) {
      throw new UsageError(
        "canary: no kubeconfig (--kubeconfig, KUBECONFIG): the analysis needs the cluster",
      );
    }
    const scrape = await scrapeTargetOf(t, o.port);
    const onOutput = (s: string) => process.stdout.write(s);
    const parallel = o.parallel !== undefined ? { parallel: o.parallel } : {};
    const prepared = await prepareRun(t, { command: "up", onOutput, ...parallel });
    outcome = await runSteps(o, analysis, prepared, scrape, t.kubeconfig);
    code = canaryExitCode(outcome.report);
    return code;
  } catch (e) {
    code = deployExitCode(e, t);
    return code;
  } finally {
    if (o.summaryMd) {
      const stack = t?.stack.name ?? o.stackName;
      const text = outcome
        ? formatCanarySummaryMarkdown(stack, outcome.report, code, outcome.files)
        : `### \`${stack}\`: canary\n\n**Canary: not started** (exit ${code}); the job log says why.\n\n`;
      appendFileSync(o.summaryMd, text);
    }
  }
}

/** The steps on a prepared stack; writes and prints the report and its timeline. */
async function runSteps(
  a: CanaryRun,
  analysis: CanaryAnalysisConfig,
  run: PreparedRun,
  scrape: Awaited<ReturnType<typeof scrapeTargetOf>>,
  kubeconfig: string,
): Promise<{ report: CanaryRolloutReport; files: { json: string; svg: string } }> {
  const t = run.target;
  const client = KubeClient.fromKubeconfig(kubeconfig);
  try {
    const project = (await t.stack.workspace.projectSettings()).name;
    const ops = stackCanaryOps(t.stack, project, client, scrape, {
      allow: a.allow,
      stateDir: t.stateDir,
      ...(a.policyPacks ? { policyPacks: [...a.policyPacks] } : {}),
      ...(a.policyPackConfigs ? { policyPackConfigs: [...a.policyPackConfigs] } : {}),
      onOutput: (s) => process.stdout.write(s),
      parallel: run.tuning.parallel,
      upParallel: (changes) => run.upParallel(changes),
      // Each up watches the Deployments the state has before it (the canary's, after step 1).
      runUp: (up) => run.upWithReports(up),
    });
    const report = await runCanaryRollout(defaultCanaryPlan(a.target), ops, {
      windowSeconds: a.windowSeconds,
      checkEverySeconds: a.checkEverySeconds,
      analysis,
      stopped: () => abortReason()?.message,
    });
    const files = writeCanaryReport(t.stateDir, t.stack.name, report);
    console.log(
      `\ncanary ${report.outcome}${report.reason ? `: ${report.reason}` : ""}\n  report:   ${files.json}\n  timeline: ${files.svg}`,
    );
    return { report, files };
  } finally {
    client.close();
  }
}
