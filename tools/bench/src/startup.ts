import { pulumiCommand } from "@steady/deployer";
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createNamespace, deleteNamespace, runId, type BenchCluster } from "./cluster";
import { benchEnv, openBenchStack, runLogged } from "./deploy";
import { programConfig } from "./program-cost";
import { parseStartupLog, startupRows, type StartupMarks } from "./startup-log";
import { summarize, type Runs } from "./stats";

/** One step of the start-up table over the runs; `ms` is absent when a run's log lacked it. */
export interface StartupStep {
  readonly step: string;
  readonly ms?: Runs;
}

/** The startup section: where the time from `pulumi up` to its first resource operation goes. */
export interface StartupResult {
  readonly steps: StartupStep[];
}

/** The steps over several runs' marks; a step any run lacks has no `ms`. */
export function startupSteps(runs: readonly StartupMarks[]): StartupStep[] {
  const perRun = runs.map(startupRows);
  return (perRun[0] ?? startupRows({})).map((row, i) => {
    const values = perRun.map((rows) => rows[i]!.ms);
    return values.every((v): v is number => v !== undefined) && values.length > 0
      ? { step: row.step, ms: summarize(values) }
      : { step: row.step };
  });
}

/**
 * `runs` times: a new 1-app stack of the bench program in a namespace of its own, created by
 * `pulumi up --skip-preview -v=9 --logflow --logtostderr` (the verbose log costs a little
 * itself); the steps are read from that log (logs/startup-<run>.log). Cleanup is not measured.
 */
export async function measureStartup(
  cluster: BenchCluster,
  opts: { out: string; runs: number; log: (line: string) => void },
): Promise<StartupResult> {
  const logDir = join(opts.out, "logs");
  mkdirSync(logDir, { recursive: true });
  const cli = (await pulumiCommand()).command;
  const marks: StartupMarks[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    const ns = `bench-startup-${runId()}`;
    await createNamespace(cluster.client, ns);
    const stack = await openBenchStack(
      opts.out,
      ns,
      cluster.kubeconfig,
      programConfig(1, { namespace: ns }),
    );
    try {
      const logFile = join(logDir, `startup-${run}.log`);
      rmSync(logFile, { force: true });
      const env = { ...process.env, ...benchEnv(opts.out, cluster.kubeconfig) };
      const args = ["up", "--yes", "--skip-preview", "--stack", stack.name];
      const spawnedAt = performance.timeOrigin + performance.now();
      await runLogged(cli, [...args, "-v=9", "--logflow", "--logtostderr"], {
        env,
        logFile,
        cwd: stack.workspace.workDir,
      });
      const m = parseStartupLog(readFileSync(logFile, "utf8"), spawnedAt);
      marks.push(m);
      opts.log(
        `startup run ${run}/${opts.runs}: first resource operation ${m.firstOperation === undefined ? "not found in the log" : `after ${Math.round(m.firstOperation)} ms`}`,
      );
    } finally {
      await deleteNamespace(cluster.client, ns);
      await stack.workspace.removeStack(stack.name, { force: true }).catch(() => undefined);
      rmSync(stack.workspace.workDir, { recursive: true, force: true });
    }
  }
  return { steps: startupSteps(marks) };
}
