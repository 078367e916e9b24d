#!/usr/bin/env node
import { repoRoot, toolchainDir } from "@steady/deployer";
import { stopCluster } from "@steady/local-cluster";
import { APP_DEFAULTS } from "@steady/deployment";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseBenchArgs, USAGE, UsageError, type BenchOptions, type Section } from "./args";
import { renderChartSvg } from "./chart";
import {
  closeCluster,
  deleteNodes,
  ensureNodes,
  openCluster,
  podReadyDelayMs,
  type BenchCluster,
} from "./cluster";
import { measureDeploy } from "./deploy";
import { describeMachine, loadNow } from "./machine";
import { renderMarkdown } from "./markdown";
import { measureProgramCost } from "./program-cost";
import type { BenchResults } from "./results";
import { measureRollout } from "./rollout";
import { measureStartup } from "./startup";
import { measureTestSuite } from "./suite";

const log = (line: string) =>
  console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** Notes that follow from the numbers themselves: targets missed, a busy machine, a quick run. */
export function derivedNotes(r: BenchResults): string[] {
  const notes: string[] = [];
  const load = r.machine.loadAverage.start;
  if (load > r.machine.cores / 2) {
    notes.push(
      `The machine was busy before the bench started (1-minute load average ${load} on ${r.machine.cores} cores): the numbers are noisy; run again on a quiet machine before quoting them.`,
    );
  }
  if (r.settings.quick)
    notes.push("A --quick run (one run, smaller sizes): a smoke check, not numbers to publish.");
  if (r.settings.runs < 3)
    notes.push(
      `${r.settings.runs} run(s) per measurement: a median needs at least 3 to mean much.`,
    );
  const js = r.program?.perApp.find((p) => p.variant === "js");
  if (js && js.fit.slope >= r.program!.targetMsPerApp) {
    notes.push(
      `Program cost: ${js.fit.slope.toFixed(2)} ms per app with precompiled JavaScript, above the ${r.program!.targetMsPerApp} ms target.`,
    );
  }
  const plain = r.program?.perApp.find((p) => p.variant === "js-plain");
  if (js && plain) {
    notes.push(
      `Program cost: registering the same objects as plain resources (no component) costs ${plain.fit.slope.toFixed(2)} ms per app, so the component adds ${(js.fit.slope - plain.fit.slope).toFixed(2)} ms per app; the rest is the Pulumi SDK's own work per resource.`,
    );
  }
  const ts = r.program?.rows.filter((x) => x.variant === "ts-node") ?? [];
  const jsRows = r.program?.rows.filter((x) => x.variant === "js") ?? [];
  if (ts.length && jsRows.length) {
    const n = Math.min(...ts.map((x) => x.n));
    const t = ts.find((x) => x.n === n)!.totalMs.median;
    const j = jsRows.find((x) => x.n === n)?.totalMs.median;
    const tr = r.program!.rows.find((x) => x.variant === "ts-node-transpile-only" && x.n === n);
    if (j !== undefined) {
      notes.push(
        `ts-node at N = ${n}: ${Math.round(t - j)} ms more than precompiled JavaScript` +
          (tr
            ? `; ${Math.round(t - tr.totalMs.median)} ms of it is type checking (TS_NODE_TRANSPILE_ONLY=true saves it).`
            : "."),
      );
    }
  }
  for (const row of r.deploy?.rows ?? []) {
    if (row.n === r.deploy!.targetN && row.ratio.create > r.deploy!.targetRatio) {
      notes.push(
        `Deploy: pulumi up of ${row.n} apps took ${row.ratio.create.toFixed(2)}× kubectl's time, above the ${r.deploy!.targetRatio}× target.`,
      );
    }
  }
  for (const row of r.rollout?.rows ?? []) {
    if (row.fewestReady < row.replicas) {
      notes.push(
        `Rollout R = ${row.replicas}: ready pods dropped to ${row.fewestReady}, below the desired ${row.replicas}.`,
      );
    }
    if (row.ratio > r.rollout!.targetRatio) {
      notes.push(
        `Rollout R = ${row.replicas}: ${row.ratio.toFixed(2)}× its floor, above the ${r.rollout!.targetRatio}× target.`,
      );
    }
  }
  if (r.tests?.warm && r.tests.warm.median >= r.tests.targetWarmSeconds) {
    notes.push(
      `Tests: a warm unit run took ${r.tests.warm.median.toFixed(1)} s, above the ${r.tests.targetWarmSeconds} s target.`,
    );
  }
  if ((r.tests?.cold?.failedRuns ?? 0) + (r.tests?.warm?.failedRuns ?? 0) > 0) {
    notes.push(
      "Tests: some runs failed; their times are in the table, see <out>/logs/tests-*.log.",
    );
  }
  return notes;
}

/** Writes results.json, results.md and chart.svg; returns the Markdown. */
export function writeResults(out: string, r: BenchResults, failures: readonly string[]): string {
  const full: BenchResults = { ...r, notes: [...derivedNotes(r), ...failures] };
  writeFileSync(join(out, "results.json"), JSON.stringify(full, null, 2) + "\n");
  const md = renderMarkdown(full);
  writeFileSync(join(out, "results.md"), md);
  writeFileSync(join(out, "chart.svg"), renderChartSvg(full.deploy));
  return md;
}

/** Runs one section, recording its failure (not throwing) and writing the results after it. */
type Attempt = (section: Section, body: () => Promise<void>) => Promise<void>;

async function run(opts: BenchOptions): Promise<number> {
  const root = repoRoot();
  const out = resolve(opts.out ?? join(root, ".steady", "bench"));
  mkdirSync(out, { recursive: true });
  // The deployer's Pulumi environment and file backend keep their state in the bench's directory.
  process.env.STEADY_STATE_DIR = out;
  const results = newResults(opts, root);
  const m = results.machine;
  log(
    `${m.cpuModel}, ${m.cores} cores, ${m.memoryGiB} GiB, kernel ${m.kernel}, load ${m.loadAverage.start}; ${opts.runs} run(s) per measurement; sections ${opts.only.join(", ")}`,
  );
  const failures: string[] = [];
  const has = (s: Section) => opts.only.includes(s);
  const attempt: Attempt = async (section, body) => {
    results.machine.loadAverage.sections[section] ??= loadNow();
    try {
      await body();
    } catch (e) {
      failures.push(`The ${section} section failed: ${(e as Error).message.split("\n")[0]}`);
      log(`${section} FAILED: ${(e as Error).stack ?? e}`);
    }
    writeResults(out, results, failures);
  };

  if (has("program")) {
    await attempt("program", async () => {
      results.program = await measureProgramCost({
        ns: opts.programN,
        runs: opts.runs,
        variants: ["js", "js-plain", "ts-node", "ts-node-transpile-only"],
        log,
      });
    });
  }
  if (CLUSTER_SECTIONS.some((s) => has(s.section))) {
    await runClusterSections(opts, out, results, attempt);
  }
  if (has("tests")) {
    await attempt("tests", async () => {
      results.tests = await measureTestSuite({
        repoRoot: root,
        out,
        runs: opts.runs,
        cold: !opts.quick,
        full: opts.full,
        log,
      });
    });
  }

  results.finishedAt = new Date().toISOString();
  results.machine.loadAverage.end = loadNow();
  const md = writeResults(out, results, failures);
  console.log(`\n${md}`);
  console.log(
    `results: ${join(out, "results.json")}\n          ${join(out, "results.md")}\n          ${join(out, "chart.svg")}`,
  );
  return failures.length > 0 ? 1 : 0;
}

/** The results document before any section ran: the machine and the settings. */
function newResults(opts: BenchOptions, root: string): BenchResults {
  const toolPath = `${join(toolchainDir(), "bin")}:${process.env.PATH ?? ""}`;
  return {
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    machine: describeMachine(root, toolPath),
    settings: {
      runs: opts.runs,
      quick: opts.quick,
      only: opts.only,
      full: opts.full,
      programN: opts.programN,
      deployN: opts.deployN,
      replicas: opts.replicas,
      minReadySeconds: opts.minReadySeconds,
      ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
    },
    notes: [],
  };
}

/** A section that runs on the bench's cluster: what it measures, into `results`. */
interface ClusterSection {
  readonly section: Section;
  readonly measure: (
    c: BenchCluster,
    opts: BenchOptions,
    out: string,
    results: BenchResults,
  ) => Promise<void>;
}

/** The sections that need the cluster, in the order they run. */
const CLUSTER_SECTIONS: readonly ClusterSection[] = [
  {
    section: "deploy",
    measure: async (c, opts, out, results) => {
      results.deploy = await measureDeploy(c, {
        out,
        ns: opts.deployN,
        runs: opts.runs,
        minReadySeconds: opts.minReadySeconds,
        ...(opts.parallel !== undefined ? { parallel: opts.parallel } : {}),
        log,
      });
    },
  },
  {
    section: "rollout",
    measure: async (c, opts, out, results) => {
      results.rollout = await measureRollout(c, {
        out,
        replicas: opts.replicas,
        runs: opts.runs,
        minReadySeconds: opts.minReadySeconds,
        podReadyDelayMs: podReadyDelayMs(),
        log,
      });
    },
  },
  {
    section: "startup",
    measure: async (c, opts, out, results) => {
      results.startup = await measureStartup(c, { out, runs: opts.runs, log });
    },
  },
];

/**
 * The deploy and rollout sections on one cluster with enough simulated nodes for the largest
 * run; a cluster the bench started is stopped afterwards, also on Ctrl-C (its processes run
 * detached, so nothing else would stop them).
 */
async function runClusterSections(
  opts: BenchOptions,
  out: string,
  results: BenchResults,
  attempt: Attempt,
): Promise<void> {
  const has = (s: Section) => opts.only.includes(s);
  let cluster: BenchCluster | undefined;
  let nodes: string[] = [];
  const first = CLUSTER_SECTIONS.find((s) => has(s.section))!.section;
  await attempt(first, async () => {
    cluster = await openCluster(
      opts.clusterDir ? resolve(opts.clusterDir) : join(out, "cluster"),
      log,
    );
    const pods = Math.max(
      has("deploy") ? Math.max(...opts.deployN) * APP_DEFAULTS.replicas * 2 : 0,
      has("rollout") ? Math.max(...opts.replicas) * 2 : 0,
      has("startup") ? APP_DEFAULTS.replicas * 2 : 0,
    );
    nodes = await ensureNodes(cluster.client, pods);
    log(`${nodes.length} simulated nodes Ready`);
  });
  if (!cluster) return;
  const c = cluster;
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping the cluster the bench started`);
    const done = () => process.exit(130);
    if (c.startedByUs && !opts.keepCluster)
      stopCluster({ dir: c.dir, purge: true }).then(done, done);
    else done();
  };
  process.once("SIGINT", onSignal).once("SIGTERM", onSignal);
  try {
    for (const { section, measure } of CLUSTER_SECTIONS) {
      if (has(section)) await attempt(section, () => measure(c, opts, out, results));
    }
  } finally {
    process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
    if (!c.startedByUs || opts.keepCluster) await deleteNodes(c.client, nodes);
    await closeCluster(c, opts.keepCluster, log);
  }
}

/** The command line: parse, run, exit code (2 for a usage mistake). */
export async function main(argv: string[]): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`steady-bench: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  return run(opts);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`\nsteady-bench: ${e.stack ?? e.message}`);
      process.exit(1);
    },
  );
}
