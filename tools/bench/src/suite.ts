import { spawn } from "node:child_process";
import { mkdirSync, openSync, closeSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { TestsResult } from "./results";
import { summarize } from "./stats";

/** Runs a command in the repo, output to `logFile`; resolves with its wall time and whether it passed. */
export function timeCommand(
  cmd: string,
  args: readonly string[],
  opts: { cwd: string; env?: NodeJS.ProcessEnv; logFile: string },
): Promise<{ seconds: number; ok: boolean }> {
  const fd = openSync(opts.logFile, "w");
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", fd, fd],
    });
    child.on("error", (e) => {
      closeSync(fd);
      reject(e);
    });
    child.on("close", (code) => {
      closeSync(fd);
      resolve({ seconds: (performance.now() - t0) / 1000, ok: code === 0 });
    });
  });
}

/**
 * The tests section: `npm test -- --unit-only` without the turbo cache (TURBO_FORCE=true, so
 * every build, typecheck, lint and jest task runs) and with it (the previous run filled it),
 * `runs` times each; with `full`, the integration tier once. Output goes to `<out>/logs`.
 */
export async function measureTestSuite(opts: {
  repoRoot: string;
  out: string;
  runs: number;
  cold: boolean;
  full: boolean;
  log: (line: string) => void;
}): Promise<TestsResult> {
  const logDir = join(opts.out, "logs");
  mkdirSync(logDir, { recursive: true });
  const env = { ...process.env };
  delete env.TURBO_FORCE;
  const unit = (label: string, extraEnv: NodeJS.ProcessEnv) =>
    timeCommand("npm", ["test", "--", "--unit-only"], {
      cwd: opts.repoRoot,
      env: { ...env, ...extraEnv },
      logFile: join(logDir, `tests-${label}.log`),
    });
  const cold: { seconds: number; ok: boolean }[] = [];
  if (opts.cold) {
    for (let run = 1; run <= opts.runs; run++) {
      const r = await unit(`cold-${run}`, { TURBO_FORCE: "true" });
      cold.push(r);
      opts.log(
        `tests cold run ${run}/${opts.runs}: ${r.seconds.toFixed(1)} s${r.ok ? "" : " (FAILED)"}`,
      );
    }
  } else {
    // Fill the cache first, so the warm runs below are warm; not measured.
    const r = await unit("prime", {});
    opts.log(
      `tests: cache primed in ${r.seconds.toFixed(1)} s (not measured)${r.ok ? "" : " (FAILED)"}`,
    );
  }
  const warm: { seconds: number; ok: boolean }[] = [];
  for (let run = 1; run <= opts.runs; run++) {
    const r = await unit(`warm-${run}`, {});
    warm.push(r);
    opts.log(
      `tests warm run ${run}/${opts.runs}: ${r.seconds.toFixed(1)} s${r.ok ? "" : " (FAILED)"}`,
    );
  }
  let integration: TestsResult["integration"];
  if (opts.full) {
    const r = await timeCommand(
      "npx",
      ["turbo", "run", "test:integration", "--concurrency=1", "--continue"],
      { cwd: opts.repoRoot, env, logFile: join(logDir, "tests-integration.log") },
    );
    integration = { seconds: r.seconds, ok: r.ok };
    opts.log(`tests integration tier: ${r.seconds.toFixed(1)} s${r.ok ? "" : " (FAILED)"}`);
  }
  const fold = (xs: { seconds: number; ok: boolean }[]) => ({
    ...summarize(xs.map((x) => x.seconds)),
    failedRuns: xs.filter((x) => !x.ok).length,
  });
  return {
    ...(cold.length ? { cold: fold(cold) } : {}),
    warm: fold(warm),
    ...(integration ? { integration } : {}),
    targetWarmSeconds: 10,
  };
}
