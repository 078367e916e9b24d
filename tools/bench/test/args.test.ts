import { BENCH_DEFAULTS, parseBenchArgs } from "../src/args";

describe("steady-bench arguments", () => {
  it("defaults to every section, 3 runs and the full sizes", () => {
    expect(parseBenchArgs([])).toEqual({
      runs: 3,
      programN: [1, 10, 50, 200],
      deployN: [1, 10, 50],
      replicas: [3, 10, 30],
      minReadySeconds: BENCH_DEFAULTS.minReadySeconds,
      only: ["program", "deploy", "rollout", "tests", "startup"],
      full: false,
      quick: false,
      keepCluster: false,
      help: false,
    });
  });

  it("reads every option, in either --flag value or --flag=value form", () => {
    expect(
      parseBenchArgs([
        "--runs",
        "5",
        "--n=1,10,50",
        "--replicas",
        "3,10",
        "--min-ready-seconds",
        "0",
        "--parallel",
        "64",
        "--only",
        "tests,program",
        "--full",
        "--out",
        "/tmp/b",
        "--cluster-dir",
        "/tmp/c",
        "--keep-cluster",
      ]),
    ).toEqual({
      runs: 5,
      programN: [1, 10, 50],
      deployN: [1, 10, 50],
      replicas: [3, 10],
      minReadySeconds: 0,
      parallel: 64,
      only: ["program", "tests"],
      full: true,
      quick: false,
      out: "/tmp/b",
      clusterDir: "/tmp/c",
      keepCluster: true,
      help: false,
    });
  });

  it("sorts and de-duplicates sizes", () => {
    expect(parseBenchArgs(["--n", "50,1,10,1"]).programN).toEqual([1, 10, 50]);
  });

  it("--quick lowers the defaults, and explicit options still win", () => {
    const quick = parseBenchArgs(["--quick"]);
    expect(quick).toMatchObject({
      quick: true,
      runs: 1,
      programN: [1, 10, 50],
      deployN: [1, 10],
      replicas: [3],
    });
    expect(parseBenchArgs(["--quick", "--runs", "2", "--n", "5"])).toMatchObject({
      runs: 2,
      programN: [5],
      deployN: [5],
    });
  });

  it("reads -h and --help", () => {
    expect(parseBenchArgs(["-h"]).help).toBe(true);
    expect(parseBenchArgs(["--help"]).help).toBe(true);
  });

  it.each([
    [["--runs", "0"], '--runs "0" is not valid: expected a whole number from 1 to 100'],
    [["--runs", "2.5"], '--runs "2.5" is not valid: expected a whole number from 1 to 100'],
    [["--runs"], "--runs needs a value"],
    [["--runs", "--quick"], "--runs needs a value"],
    [["--runs", "3", "--runs", "4"], "--runs is given twice"],
    [
      ["--n", "1,ten,0"],
      '--n "1,ten,0" is not valid: expected whole numbers from 1 to 1000 separated by commas, like 1,10,50 (bad: "ten", "0")',
    ],
    [
      ["--n", "1,,5"],
      '--n "1,,5" is not valid: expected whole numbers from 1 to 1000 separated by commas, like 1,10,50 (bad: "")',
    ],
    [
      ["--replicas", "600"],
      '--replicas "600" is not valid: expected whole numbers from 1 to 500 separated by commas, like 1,10,50 (bad: "600")',
    ],
    [
      ["--only", "program,deploys"],
      '--only "program,deploys" names no section "deploys": expected some of program, deploy, rollout, tests, startup',
    ],
    [
      ["--min-ready-seconds", "-1"],
      '--min-ready-seconds "-1" is not valid: expected a whole number of seconds from 0 to 100',
    ],
    [
      ["--min-ready-seconds", "1.5"],
      '--min-ready-seconds "1.5" is not valid: expected a whole number of seconds from 0 to 100',
    ],
    [
      ["--only", "program", "--full"],
      "--full times the integration tier, which is part of the tests section: add tests to --only",
    ],
    [["--quick=yes"], "--quick takes no value"],
    [["--parallel", "0"], '--parallel "0" is not valid: expected a whole number from 1 to 10000'],
    [["--pulumi-parallel", "8"], 'unknown option "--pulumi-parallel"'],
    [["deploy"], 'unexpected argument "deploy"'],
  ])("rejects %j with a clear message", (argv, message) => {
    expect(() => parseBenchArgs(argv)).toThrow(message);
  });
});
