/**
 * When each start-up step of a `pulumi up` happened, read from the engine's verbose log
 * (`pulumi up -v=9 --logflow --logtostderr`), in milliseconds after the CLI was spawned.
 *
 * Pulumi 3.274.1 writes that log as JSON lines (`{"time":"…Z","level":…,"msg":…}`) on stderr,
 * where the progress display may precede one on the same line; the messages matched below are
 * the engine's (pkg/resource/deploy, pkg/resource/plugin) and the language host's. A mark the
 * log does not contain stays undefined, so a changed message shows as a missing row, never as a
 * wrong number.
 */
export interface StartupMarks {
  /** The CLI's first log line. */
  readonly cliFirstLine?: number;
  /** The language host was asked to run the program. */
  readonly programRun?: number;
  /** The program's first registration (its Stack resource) reached the engine. */
  readonly stackRegistered?: number;
  /** The program's Kubernetes provider reached the engine. */
  readonly providerRegistered?: number;
  /** The engine launched the provider plugin. */
  readonly pluginLaunched?: number;
  /** The plugin answered `GetPluginInfo`: it is up. */
  readonly pluginStarted?: number;
  /** The engine sent the provider its config (`CheckConfig`). */
  readonly checkConfig?: number;
  /** The first operation on a Kubernetes object (`Check`, `Diff`, `Create`, `Read`, `Update`). */
  readonly firstOperation?: number;
}

/** The message that sets each mark; the first line that matches wins. */
const MARKS: readonly [keyof StartupMarks, RegExp][] = [
  ["programRun", /^langhost\[nodejs\]\.Run\(/],
  ["stackRegistered", /^ResourceMonitor\.RegisterResource received: t=pulumi:pulumi:Stack,/],
  [
    "providerRegistered",
    /^ResourceMonitor\.RegisterResource received: t=pulumi:providers:kubernetes,/,
  ],
  ["pluginLaunched", /^newPlugin\(\): Launching plugin 'kubernetes/],
  ["pluginStarted", /^Provider\[0x[0-9a-f]+\]\.GetPluginInfo\(\) success/],
  ["checkConfig", /^Provider\[0x[0-9a-f]+\]\.CheckConfig\(.*\) executing/],
  [
    "firstOperation",
    /^Provider\[0x[0-9a-f]+\]\.(Check|Diff|Create|Read|Update)\(urn:pulumi:\S*kubernetes:[a-z.]+\/[a-z0-9]+:[A-Z]/,
  ],
];

/** Epoch milliseconds of an RFC 3339 time with up to nanoseconds, as the log writes it. */
export function epochMs(time: string): number {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(time);
  if (!m)
    throw new Error(
      `log time ${JSON.stringify(time)}: expected e.g. 2026-12-02T08:32:11.932617208Z`,
    );
  return Date.parse(`${m[1]}Z`) + (m[2] ? Number(`0.${m[2]}`) * 1000 : 0);
}

/** The log's JSON lines (time and message), skipping text before or between them. */
function logLines(text: string): { t: number; msg: string }[] {
  const out: { t: number; msg: string }[] = [];
  for (const line of text.split("\n")) {
    const at = line.indexOf('{"time":"');
    if (at < 0) continue;
    try {
      const o = JSON.parse(line.slice(at)) as { time?: string; msg?: string };
      if (typeof o.time === "string") out.push({ t: epochMs(o.time), msg: o.msg ?? "" });
    } catch {
      // A line cut short by the process ending: not a mark.
    }
  }
  return out;
}

/** The start-up marks of one verbose log, in ms after `spawnedAtMs` (epoch ms). */
export function parseStartupLog(text: string, spawnedAtMs: number): StartupMarks {
  const lines = logLines(text);
  const marks: { -readonly [K in keyof StartupMarks]: number } = {};
  if (lines.length > 0) marks.cliFirstLine = lines[0]!.t - spawnedAtMs;
  for (const [key, re] of MARKS) {
    const hit = lines.find((l) => re.test(l.msg));
    if (hit) marks[key] = hit.t - spawnedAtMs;
  }
  return marks;
}

/** One row of the start-up table: a step and how long it took (ms), undefined when unknown. */
export interface StartupRow {
  readonly step: string;
  readonly ms: number | undefined;
}

const between = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : b - a;

/** The rows of docs/performance.md's start-up table, from one run's marks. */
export function startupRows(m: StartupMarks): StartupRow[] {
  return [
    { step: "CLI start: spawn to the CLI's first log line", ms: m.cliFirstLine },
    {
      step: "CLI: language host probe, stack and backend load, plugin list",
      ms: between(m.cliFirstLine, m.programRun),
    },
    {
      step: "program load: language host Run to the program's first registration",
      ms: between(m.programRun, m.stackRegistered),
    },
    {
      step: "program: to its provider's registration",
      ms: between(m.stackRegistered, m.providerRegistered),
    },
    {
      step: "provider plugin start (launch to GetPluginInfo)",
      ms: between(m.pluginLaunched, m.pluginStarted),
    },
    {
      step: "provider CheckConfig + Configure to the first resource operation",
      ms: between(m.checkConfig, m.firstOperation),
    },
    { step: "spawn to the first resource operation", ms: m.firstOperation },
  ];
}
