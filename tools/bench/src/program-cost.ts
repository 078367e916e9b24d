import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { PerApp, ProgramResult, ProgramRow, ProgramVariant } from "./results";
import { linearFit, perApp, summarize } from "./stats";

/** What one child process reported. */
export interface MockRunReport {
  readonly processStart: number;
  readonly programStart: number;
  readonly lastRegister: number;
  readonly resources: number;
  readonly manifests?: number;
}

/** Finds the `MOCK_RUN {...}` line in a child's output. */
export function parseMockRunLine(stdout: string): MockRunReport {
  const line = stdout.split("\n").find((l) => l.startsWith("MOCK_RUN "));
  if (!line) throw new Error(`the program printed no MOCK_RUN line; its output:\n${stdout}`);
  const r = JSON.parse(line.slice("MOCK_RUN ".length)) as MockRunReport;
  if (!(r.lastRegister > 0) || !(r.resources > 0))
    throw new Error(`the program registered no resource: ${line}`);
  return r;
}

/** The package's directory (this file runs from src/ under jest, from dist/ otherwise). */
export const PACKAGE_ROOT = join(__dirname, "..");

/** The compiled mock runner: always the built one, so tests measure what `npm run bench` runs. */
export const MOCK_RUN_JS = join(PACKAGE_ROOT, "dist", "mock-run.js");

/** Config of the bench program for `apps` apps. */
export function programConfig(
  apps: number,
  extra: { namespace?: string; version?: string; replicas?: number; minReadySeconds?: number } = {},
): Record<string, string> {
  return {
    apps: String(apps),
    namespace: extra.namespace ?? "bench",
    version: extra.version ?? "v1",
    ...(extra.replicas !== undefined ? { replicas: String(extra.replicas) } : {}),
    ...(extra.minReadySeconds !== undefined
      ? { minReadySeconds: String(extra.minReadySeconds) }
      : {}),
  };
}

/**
 * Runs the bench program once in a fresh `node` process under mocks; resolves with the child's
 * report and the moment it was spawned (epoch ms, the same clock the child reports in).
 */
export function mockRun(
  config: Record<string, string>,
  opts: { variant?: ProgramVariant; manifests?: string } = {},
): Promise<{ spawnedAt: number; report: MockRunReport }> {
  const variant = opts.variant ?? "js";
  const args = [MOCK_RUN_JS, JSON.stringify(config)];
  if (variant.startsWith("ts-node")) args.push("--ts");
  if (opts.manifests) args.push("--manifests", opts.manifests);
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TS_NODE_TRANSPILE_ONLY;
  if (variant === "ts-node-transpile-only") env.TS_NODE_TRANSPILE_ONLY = "true";
  if (!existsSync(MOCK_RUN_JS))
    throw new Error(
      `${MOCK_RUN_JS} does not exist: build the bench first (npx turbo run build --filter=@steady/bench)`,
    );
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.timeOrigin + performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) {
        reject(new Error(`the bench program (${variant}) exited with ${code}:\n${err || out}`));
        return;
      }
      try {
        resolve({ spawnedAt, report: parseMockRunLine(out) });
      } catch (e) {
        reject(e as Error);
      }
    });
  });
}

/** Per-app cost of each variant from its rows' medians. */
export function perAppCosts(rows: readonly ProgramRow[]): PerApp[] {
  const variants = [...new Set(rows.map((r) => r.variant))];
  return variants.flatMap((variant) => {
    const mine = rows.filter((r) => r.variant === variant).sort((a, b) => a.n - b.n);
    if (new Set(mine.map((r) => r.n)).size < 2) return [];
    const first = mine[0]!;
    const last = mine[mine.length - 1]!;
    return [
      {
        variant,
        fit: linearFit(mine.map((r) => [r.n, r.totalMs.median] as const)),
        ...(first.n === 1
          ? { endpointsMs: perApp(first.totalMs.median, last.totalMs.median, last.n) }
          : {}),
      },
    ];
  });
}

/**
 * Program cost: for each variant and N, `runs` fresh processes; each measures process start to
 * the last resource registered. Variants and sizes interleave run by run, so a burst of load
 * on the machine does not land on one row only.
 */
export async function measureProgramCost(opts: {
  ns: readonly number[];
  runs: number;
  variants: readonly ProgramVariant[];
  log: (line: string) => void;
}): Promise<ProgramResult> {
  const samples = new Map<string, { total: number[]; boot: number[]; resources: number }>();
  const key = (v: ProgramVariant, n: number) => `${v}/${n}`;
  for (let run = 1; run <= opts.runs; run++) {
    for (const variant of opts.variants) {
      for (const n of opts.ns) {
        const config =
          variant === "js-plain" ? { ...programConfig(n), plain: "true" } : programConfig(n);
        const { spawnedAt, report } = await mockRun(config, { variant });
        const s = samples.get(key(variant, n)) ?? { total: [], boot: [], resources: 0 };
        s.total.push(report.lastRegister - spawnedAt);
        s.boot.push(report.programStart - spawnedAt);
        s.resources = report.resources;
        samples.set(key(variant, n), s);
        opts.log(
          `program ${variant} N=${n} run ${run}/${opts.runs}: ${Math.round(report.lastRegister - spawnedAt)} ms (${report.resources} resources)`,
        );
      }
    }
  }
  const rows: ProgramRow[] = opts.variants.flatMap((variant) =>
    opts.ns.map((n) => {
      const s = samples.get(key(variant, n))!;
      return {
        variant,
        n,
        resources: s.resources,
        totalMs: summarize(s.total),
        bootMs: summarize(s.boot),
      };
    }),
  );
  return { rows, perApp: perAppCosts(rows), targetMsPerApp: 5 };
}
