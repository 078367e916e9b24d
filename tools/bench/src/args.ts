/** The parts of the benchmark, in the order they run. */
export const SECTIONS = ["program", "deploy", "rollout", "tests", "startup"] as const;
export type Section = (typeof SECTIONS)[number];

/** What `steady-bench` measures and where it writes. */
export interface BenchOptions {
  /** Runs per measurement; tables show the median. */
  readonly runs: number;
  /** Apps per program-cost stack. */
  readonly programN: number[];
  /** Apps per deploy stack. */
  readonly deployN: number[];
  /** Replica counts of the rollout measurement. */
  readonly replicas: number[];
  /** minReadySeconds of every app deployed (deploy and rollout). */
  readonly minReadySeconds: number;
  /** `pulumi preview/up --parallel` of the deploy section; Pulumi's default (4 × CPUs) when undefined. */
  readonly parallel?: number;
  /** Sections to run. */
  readonly only: Section[];
  /** Also time the integration tier once (tests section). */
  readonly full: boolean;
  /** Fewer runs and smaller sizes: a quick look, not numbers to publish. */
  readonly quick: boolean;
  /** Directory of results.json, results.md, chart.svg and the run's Pulumi state. */
  readonly out?: string;
  /** Data directory of the local cluster the deploy and rollout sections use. */
  readonly clusterDir?: string;
  /** Leave the local cluster running at the end (it is stopped and purged otherwise, when the bench started it). */
  readonly keepCluster: boolean;
  readonly help: boolean;
}

/** Defaults of {@link BenchOptions}; `--quick` picks the second set. */
export const BENCH_DEFAULTS = {
  runs: 3,
  programN: [1, 10, 50, 200],
  deployN: [1, 10, 50],
  replicas: [3, 10, 30],
  // The dev environment's value: long enough to count, short enough for 30-replica rollouts.
  minReadySeconds: 2,
  quick: { runs: 1, programN: [1, 10, 50], deployN: [1, 10], replicas: [3] },
} as const;

/** A command-line mistake, reported with the usage text. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export const USAGE = `usage: npm run bench -- [options]
       steady-bench [options]

Measures, with several runs and their medians, and writes results.json, results.md and
chart.svg (default directory .steady/bench):
  program  time from process start to the last resource registered, under Pulumi mocks, for a
           stack of N AppDeployments: precompiled JavaScript, ts-node, ts-node transpile-only
  deploy   on the local cluster: pulumi preview, pulumi up (create), pulumi up (new version)
           against kubectl apply --server-side + kubectl rollout status of the same objects
  rollout  one AppDeployment's rollout against its floor ceil(R / maxSurge) x (pod ready
           delay + minReadySeconds)
  tests    the unit tier (npm test -- --unit-only) without and with the turbo cache
  startup  on the local cluster: where the time from pulumi up to its first resource operation
           goes (1 app, read from the engine's -v=9 --logflow log)

options:
  --runs K                 runs per measurement (default ${BENCH_DEFAULTS.runs})
  --n 1,10,50              apps per stack, for program and deploy (default program
                           ${BENCH_DEFAULTS.programN.join(",")}, deploy ${BENCH_DEFAULTS.deployN.join(",")})
  --replicas 3,10,30       replica counts of the rollout measurement (default ${BENCH_DEFAULTS.replicas.join(",")})
  --min-ready-seconds S    minReadySeconds of the deployed apps (default ${BENCH_DEFAULTS.minReadySeconds})
  --parallel P             pulumi --parallel of the deploy section (default: steady-deploy's,
                           one per resource, at least 4 x CPUs)
  --only a,b               sections to run: ${SECTIONS.join(", ")} (default all)
  --quick                  1 run, program N ${BENCH_DEFAULTS.quick.programN.join(",")}, deploy N ${BENCH_DEFAULTS.quick.deployN.join(",")}, replicas ${BENCH_DEFAULTS.quick.replicas.join(",")}, tests warm only
  --full                   tests: also run the integration tier once (never cached)
  --out DIR                where results go (default .steady/bench)
  --cluster-dir DIR        local cluster data directory (default <out>/cluster); a cluster
                           already running there is used and left running
  --keep-cluster           leave the cluster the bench started running
  -h, --help               this text`;

function positiveInt(flag: string, raw: string, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new UsageError(
      `${flag} ${JSON.stringify(raw)} is not valid: expected a whole number from 1 to ${max}`,
    );
  }
  return Number(raw);
}

function intList(flag: string, raw: string, max: number): number[] {
  const parts = raw.split(",").map((s) => s.trim());
  const bad = parts.filter((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > max);
  if (parts.length === 0 || bad.length > 0) {
    throw new UsageError(
      `${flag} ${JSON.stringify(raw)} is not valid: expected whole numbers from 1 to ${max} separated by commas, like 1,10,50` +
        (bad.length ? ` (bad: ${bad.map((b) => JSON.stringify(b)).join(", ")})` : ""),
    );
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/** Reads the command line; throws {@link UsageError} naming the first mistake. */
export function parseBenchArgs(argv: readonly string[]): BenchOptions {
  const given: Partial<Record<string, string>> = {};
  const flags = new Set<string>();
  const valued = [
    "--runs",
    "--n",
    "--replicas",
    "--min-ready-seconds",
    "--parallel",
    "--only",
    "--out",
    "--cluster-dir",
  ];
  const booleans = ["--quick", "--full", "--keep-cluster", "--help", "-h"];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    const [flag, inline] =
      arg.startsWith("--") && eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [arg, undefined];
    if (booleans.includes(flag)) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      flags.add(flag === "-h" ? "--help" : flag);
      continue;
    }
    if (!valued.includes(flag)) {
      throw new UsageError(
        arg.startsWith("-")
          ? `unknown option ${JSON.stringify(arg)}`
          : `unexpected argument ${JSON.stringify(arg)}`,
      );
    }
    const value = inline ?? argv[i + 1];
    if (value === undefined || value === "" || (inline === undefined && value.startsWith("--"))) {
      throw new UsageError(`${flag} needs a value`);
    }
    if (inline === undefined) i++;
    if (given[flag] !== undefined) throw new UsageError(`${flag} is given twice`);
    given[flag] = value;
  }
  const quick = flags.has("--quick");
  const d = quick ? { ...BENCH_DEFAULTS, ...BENCH_DEFAULTS.quick } : BENCH_DEFAULTS;
  const n = given["--n"] !== undefined ? intList("--n", given["--n"], 1000) : undefined;
  let only: Section[] = [...SECTIONS];
  if (given["--only"] !== undefined) {
    const parts = given["--only"].split(",").map((s) => s.trim());
    const unknown = parts.filter((p) => !(SECTIONS as readonly string[]).includes(p));
    if (unknown.length > 0) {
      throw new UsageError(
        `--only ${JSON.stringify(given["--only"])} names no section ${unknown.map((u) => JSON.stringify(u)).join(", ")}: expected some of ${SECTIONS.join(", ")}`,
      );
    }
    only = SECTIONS.filter((s) => parts.includes(s));
  }
  const minReady = given["--min-ready-seconds"];
  if (minReady !== undefined && !(/^\d+$/.test(minReady) && Number(minReady) <= 100)) {
    throw new UsageError(
      `--min-ready-seconds ${JSON.stringify(minReady)} is not valid: expected a whole number of seconds from 0 to 100`,
    );
  }
  if (flags.has("--full") && !only.includes("tests")) {
    throw new UsageError(
      "--full times the integration tier, which is part of the tests section: add tests to --only",
    );
  }
  return {
    runs: given["--runs"] !== undefined ? positiveInt("--runs", given["--runs"], 100) : d.runs,
    programN: n ?? [...d.programN],
    deployN: n ?? [...d.deployN],
    replicas:
      given["--replicas"] !== undefined
        ? intList("--replicas", given["--replicas"], 500)
        : [...d.replicas],
    minReadySeconds: minReady !== undefined ? Number(minReady) : BENCH_DEFAULTS.minReadySeconds,
    ...(given["--parallel"] !== undefined
      ? { parallel: positiveInt("--parallel", given["--parallel"], 10000) }
      : {}),
    only,
    full: flags.has("--full"),
    quick,
    ...(given["--out"] !== undefined ? { out: given["--out"] } : {}),
    ...(given["--cluster-dir"] !== undefined ? { clusterDir: given["--cluster-dir"] } : {}),
    keepCluster: flags.has("--keep-cluster"),
    help: flags.has("--help"),
  };
}
