import { epochMs, parseStartupLog, startupRows } from "../src/startup-log";

/** One line of the engine's JSON log, as `pulumi up -v=9 --logflow --logtostderr` writes it. */
const line = (time: string, msg: string, before = "") =>
  `${before}${JSON.stringify({ time, level: "INFO", msg, v: 7 })}`;

// Lines of a real 1-app create (Pulumi 3.274.1, provider 4.25.0), messages shortened, in order,
// with the lines around them that must not be taken for a mark.
const LOG = [
  "Updating (s2):",
  line("2026-12-02T08:39:23.673252542Z", "OTLP receiver started on port 38199"),
  line(
    "2026-12-02T08:39:23.873642291Z",
    "langhost[nodejs].Run(pwd=/w/dist/program,root=/w/p1, program=/w/dist/program, entryPoint=index.js) executing",
  ),
  line(
    "2026-12-02T08:39:24.38105804Z",
    "ResourceMonitor.RegisterResource received: t=pulumi:pulumi:Stack, name=steady-bench-s2, custom=false",
  ),
  line(
    "2026-12-02T08:39:25.324476283Z",
    "ResourceMonitor.RegisterResource received: t=pulumi:providers:kubernetes, name=cluster, custom=true",
    "@ updating....",
  ),
  line(
    "2026-12-02T08:39:25.324778318Z",
    "ProviderRegistry.Check(urn:pulumi:s2::steady-bench::pulumi:providers:kubernetes::cluster) executing",
  ),
  line(
    "2026-12-02T08:39:25.324953434Z",
    "newPlugin(): Launching plugin 'kubernetes (resource)' from '/tc/bin/pulumi-resource-kubernetes'",
  ),
  line(
    "2026-12-02T08:39:25.476109665Z",
    "Provider[0x11b151e8b8c0].GetPluginInfo() success (#version=4.25.0) success",
  ),
  line(
    "2026-12-02T08:39:25.476250659Z",
    "Provider[0x11b151e8b8c0].CheckConfig(urn:pulumi:s2::steady-bench::pulumi:providers:kubernetes::cluster) executing (#olds=0,#news=3)",
  ),
  line(
    "2026-12-02T08:39:25.586118491Z",
    "Provider[0x11b151e8b8c0].Check(urn:pulumi:s2::steady-bench::steady:deployment:AppDeployment$kubernetes:policy/v1:PodDisruptionBudget::app-0-pdb) executing",
  ),
  '{"time":"2026-12-02T08:39:25.6',
].join("\n");

const SPAWN = Date.parse("2026-12-02T08:39:23.500Z");

describe("parseStartupLog", () => {
  it("finds each start-up step of a verbose up, in ms after the spawn", () => {
    const m = parseStartupLog(LOG, SPAWN);
    const expected = {
      cliFirstLine: 173.252542,
      programRun: 373.642291,
      stackRegistered: 881.05804,
      providerRegistered: 1824.476283,
      pluginLaunched: 1824.953434,
      pluginStarted: 1976.109665,
      checkConfig: 1976.250659,
      firstOperation: 2086.118491,
    };
    expect(Object.keys(m).sort()).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) {
      expect(m[k as keyof typeof m]).toBeCloseTo(v, 3);
    }
  });

  it("leaves out a step whose line is missing rather than taking another line for it", () => {
    const withoutProvider = LOG.split("\n")
      .filter((l) => !l.includes("t=pulumi:providers:kubernetes"))
      .join("\n");
    const m = parseStartupLog(withoutProvider, SPAWN);
    expect(m.providerRegistered).toBeUndefined();
    expect(m.stackRegistered).toBeCloseTo(881.05804, 3);
  });

  it("finds nothing in a log without JSON lines (an older CLI or no -v=9 --logflow)", () => {
    expect(parseStartupLog("I1202 08:39:23.673252 123 main.go:1] hello\n", SPAWN)).toEqual({});
  });
});

describe("startupRows", () => {
  it("gives the start-up table's rows, each step the time between two marks", () => {
    const rows = startupRows(parseStartupLog(LOG, SPAWN));
    expect(rows.map((r) => [r.step, Math.round(r.ms!)])).toEqual([
      ["CLI start: spawn to the CLI's first log line", 173],
      ["CLI: language host probe, stack and backend load, plugin list", 200],
      ["program load: language host Run to the program's first registration", 507],
      ["program: to its provider's registration", 943],
      ["provider plugin start (launch to GetPluginInfo)", 151],
      ["provider CheckConfig + Configure to the first resource operation", 110],
      ["spawn to the first resource operation", 2086],
    ]);
  });

  it("leaves a row unknown when one of its marks is", () => {
    const rows = startupRows({ cliFirstLine: 100, programRun: 300 });
    expect(rows[1]!.ms).toBe(200);
    expect(rows[2]!.ms).toBeUndefined();
  });
});

describe("epochMs", () => {
  it("keeps the fraction below a millisecond", () => {
    expect(epochMs("2026-12-02T08:39:23.000500Z") - epochMs("2026-12-02T08:39:23Z")).toBeCloseTo(
      0.5,
      6,
    );
  });

  it("rejects a time it cannot read, naming it", () => {
    expect(() => epochMs("08:39:23")).toThrow('log time "08:39:23": expected e.g.');
  });
});
