import { VARIANT_LABELS, type BenchResults, type ProgramVariant } from "./results";
import type { StartupResult } from "./startup";
import type { Runs } from "./stats";

/** Milliseconds as shown in tables: whole ms below 10 s, else seconds. */
export function fmtMs(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Seconds as shown in tables, one decimal. */
export function fmtS(s: number): string {
  return `${s.toFixed(1)} s`;
}

/** A ratio as shown in tables: "1.23×". */
export function fmtRatio(r: number): string {
  return `${r.toFixed(2)}×`;
}

/** The median, with the range of the runs in brackets when there was more than one. */
export function fmtRuns(r: Runs, fmt: (x: number) => string): string {
  return r.runs.length > 1 ? `${fmt(r.median)} (${fmt(r.min)}–${fmt(r.max)})` : fmt(r.median);
}

const verdict = (ok: boolean) => (ok ? "met" : "**missed**");

/** A Markdown table; the first column left-aligned, the others right-aligned. */
export function mdTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const bad = rows.find((r) => r.length !== headers.length);
  if (bad) throw new Error(`a row has ${bad.length} cells, the table ${headers.length} columns`);
  const esc = (s: string) => s.replace(/\|/g, "\\|");
  const line = (cells: readonly string[]) => `| ${cells.map(esc).join(" | ")} |`;
  return [
    line(headers),
    `| ${headers.map((_, i) => (i === 0 ? "---" : "---:")).join(" | ")} |`,
    ...rows.map(line),
  ].join("\n");
}

function programSection(r: NonNullable<BenchResults["program"]>): string {
  const ns = [...new Set(r.rows.map((x) => x.n))].sort((a, b) => a - b);
  const variants = [...new Set(r.rows.map((x) => x.variant))] as ProgramVariant[];
  const rows = variants.map((v) => {
    const fit = r.perApp.find((p) => p.variant === v);
    const cells = ns.map((n) => {
      const row = r.rows.find((x) => x.variant === v && x.n === n);
      return row ? fmtRuns(row.totalMs, fmtMs) : "–";
    });
    const slope = fit ? `${fit.fit.slope.toFixed(2)} ms` : "–";
    const ends = fit?.endpointsMs !== undefined ? `${fit.endpointsMs.toFixed(2)} ms` : "–";
    const boot = r.rows.find((x) => x.variant === v && x.n === ns[0]);
    return [
      VARIANT_LABELS[v],
      ...cells,
      boot ? fmtMs(boot.bootMs.median) : "–",
      slope,
      ends,
      v === "js" && fit ? verdict(fit.fit.slope < r.targetMsPerApp) : "",
    ];
  });
  return [
    "## 1. Program cost",
    "",
    "Process start to the last resource registered, a fresh `node` process per run, the bench",
    "program (N AppDeployments with config, one provider) under Pulumi mocks (`setMocks`). Boot is",
    `process start to the program starting to load, at N = ${ns[0]}. Per app: the slope of a line`,
    "through the medians, and (t(N) − t(1)) / (N − 1) for the largest N.",
    "",
    mdTable(
      [
        "program",
        ...ns.map((n) => `N = ${n}`),
        "boot",
        "per app (fit)",
        "per app (ends)",
        `target < ${r.targetMsPerApp} ms/app`,
      ],
      rows,
    ),
  ].join("\n");
}

function deploySection(r: NonNullable<BenchResults["deploy"]>): string {
  const rows = r.rows.map((x) => [
    `${x.n} (${x.n * x.replicas} pods)`,
    fmtRuns(x.pulumi.preview, fmtS),
    fmtRuns(x.pulumi.up, fmtS),
    fmtRuns(x.kubectl.create, fmtS),
    fmtRatio(x.ratio.create),
    fmtRuns(x.pulumi.update, fmtS),
    fmtRuns(x.kubectl.update, fmtS),
    fmtRatio(x.ratio.update),
    `${x.parallel.create} / ${x.parallel.update}`,
    `${x.fewestReady.pulumi} / ${x.fewestReady.kubectl}`,
  ]);
  const memory = r.rows.map((x) => [
    String(x.n),
    ...(["pulumi", "provider", "languageHost", "program"] as const).map(
      (k) => `${x.peakRssMiB[k]} MiB`,
    ),
  ]);
  const target = r.rows.find((x) => x.n === r.targetN);
  return [
    "## 2. Deploy: pulumi against kubectl",
    "",
    `Wall time on the local cluster (kwok nodes), ${r.rows[0]?.replicas ?? "?"} replicas per app, minReadySeconds ${r.minReadySeconds},`,
    `a fresh namespace per run. pulumi: Automation API, the toolchain's CLI and provider, file backend, ${r.tuning.parallel}; ${r.tuning.client}.`,
    ...(Object.keys(r.pulumiEnv).length > 0
      ? [
          `Set in the environment: ${Object.entries(r.pulumiEnv)
            .map(([k, v]) => `${k}=${v}`)
            .join(", ")}.`,
        ]
      : []),
    "kubectl: the same objects (as the program registers them) with `kubectl apply --server-side`,",
    "then `kubectl rollout status` of each Deployment. New version: every app gets a new version.",
    "",
    mdTable(
      [
        "apps",
        "pulumi preview",
        "pulumi up (create)",
        "kubectl (create)",
        "ratio",
        "pulumi up (new version)",
        "kubectl (new version)",
        "ratio",
        "--parallel (create / new)",
        "fewest ready (pulumi / kubectl)",
      ],
      rows,
    ),
    "",
    `Fewest ready: the fewest Ready pods of any app while its new version rolled out (${r.rows[0]?.replicas ?? "?"} desired; below it the section fails).`,
    "Peak resident memory (VmHWM) of each process of the pulumi runs, the largest over the runs:",
    "",
    mdTable(
      ["apps", "pulumi (CLI, engine)", "provider plugin", "language host", "program (node)"],
      memory,
    ),
    "",
    target
      ? `Target: pulumi up of ${r.targetN} apps within ${r.targetRatio}× of kubectl: create ${fmtRatio(target.ratio.create)} (${verdict(target.ratio.create <= r.targetRatio)}), new version ${fmtRatio(target.ratio.update)} (${verdict(target.ratio.update <= r.targetRatio)}).`
      : `Target: pulumi up of ${r.targetN} apps within ${r.targetRatio}× of kubectl: not measured in this run.`,
  ].join("\n");
}

function rolloutSection(r: NonNullable<BenchResults["rollout"]>): string {
  const rows = r.rows.map((x) => [
    String(x.replicas),
    String(x.maxSurge),
    fmtS(x.floorSeconds),
    fmtRuns(x.duration, fmtS),
    fmtRatio(x.ratio),
    `${x.fewestReady} / ${x.replicas}`,
    verdict(x.ratio <= r.targetRatio),
  ]);
  return [
    "## 3. Rollout duration",
    "",
    "One AppDeployment (maxSurge as the component's default, maxUnavailable 0), from the new",
    "version's apply to the Deployment reporting the rollout complete. Floor: ceil(R / maxSurge) ×",
    `(pod ready delay ${r.podReadyDelayMs} ms from kwok/stages.yaml + minReadySeconds ${r.minReadySeconds}).`,
    "",
    mdTable(
      [
        "replicas",
        "maxSurge",
        "floor",
        "measured",
        "ratio",
        "fewest ready",
        `target ≤ ${r.targetRatio}×`,
      ],
      rows,
    ),
  ].join("\n");
}

function testsSection(r: NonNullable<BenchResults["tests"]>): string {
  const failed = (n: number) => (n > 0 ? ` (${n} run(s) failed)` : "");
  const rows: string[][] = [];
  if (r.cold)
    rows.push([
      "unit tier, cold (`TURBO_FORCE=true`)",
      fmtRuns(r.cold, fmtS) + failed(r.cold.failedRuns),
      String(r.cold.runs.length),
      "",
    ]);
  if (r.warm)
    rows.push([
      "unit tier, warm (turbo cache)",
      fmtRuns(r.warm, fmtS) + failed(r.warm.failedRuns),
      String(r.warm.runs.length),
      `< ${r.targetWarmSeconds} s: ${verdict(r.warm.median < r.targetWarmSeconds && r.warm.failedRuns === 0)}`,
    ]);
  if (r.integration)
    rows.push([
      "integration tier (never cached)",
      fmtS(r.integration.seconds) + (r.integration.ok ? "" : " (failed)"),
      "1",
      "",
    ]);
  return [
    "## 4. Test suite",
    "",
    "Wall time of `npm test -- --unit-only` (typecheck, lint and unit tests of every workspace",
    "through turbo); the integration tier only with `--full`.",
    "",
    mdTable(["run", "wall time", "runs", "target"], rows),
  ].join("\n");
}

/** The startup section: one row per step, the median and range of the runs. */
export function startupSection(r: StartupResult): string {
  return [
    "## 5. Start-up",
    "",
    "From `pulumi up` (1 app, create) to its first resource operation, read from the engine's",
    "`-v=9 --logflow` log, which itself slows the run a little.",
    "",
    mdTable(
      ["step", "time"],
      r.steps.map((s) => [s.step, s.ms ? fmtRuns(s.ms, fmtMs) : "not in the log"]),
    ),
  ].join("\n");
}

/** results.md: the machine, then one table per section measured, then the notes. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.machine;
  const versions = Object.entries(m.versions)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ");
  const sections = Object.entries(m.loadAverage.sections ?? {})
    .map(([s, l]) => `${s} ${l}`)
    .join(", ");
  const load = `1-minute load average ${m.loadAverage.start} at start${sections ? ` (when each section started: ${sections})` : ""}${m.loadAverage.end !== undefined ? `, ${m.loadAverage.end} at end` : ""}`;
  const parts = [
    "# steady benchmark",
    "",
    `Measured ${r.startedAt}${r.finishedAt ? ` to ${r.finishedAt}` : ""} on ${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB,`,
    `${m.os}, kernel ${m.kernel} (${load})${m.commit ? `, commit ${m.commit.slice(0, 12)}${m.dirty ? " with local changes" : ""}` : ""}.`,
    `Medians of ${r.settings.runs} run(s), the range of the runs in brackets${r.settings.quick ? "; a --quick run: sizes and runs reduced" : ""}.`,
    "",
    `Versions: ${versions}.`,
  ];
  if (r.program) parts.push("", programSection(r.program));
  if (r.deploy) parts.push("", deploySection(r.deploy));
  if (r.rollout) parts.push("", rolloutSection(r.rollout));
  if (r.tests) parts.push("", testsSection(r.tests));
  if (r.startup) parts.push("", startupSection(r.startup));
  if (r.notes.length > 0) parts.push("", "## Notes", "", ...r.notes.map((n) => `- ${n}`));
  return parts.join("\n") + "\n";
}
