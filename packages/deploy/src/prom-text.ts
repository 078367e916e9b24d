/**
 * A parser for the Prometheus text exposition format 0.0.4, the subset that client libraries
 * such as prom-client emit: `# HELP` / `# TYPE` lines, samples `name{label="value",…} value
 * [timestamp]`, label values with `\\`, `\"` and `\n` escapes, and the special values `+Inf`,
 * `-Inf` and `NaN`. OpenMetrics-only syntax (`# EOF`, exemplars, `_created`) is not needed here.
 * Written here rather than taken from npm: the one parser there (parse-prometheus-text-format)
 * ships without types and groups samples into families, where analysis wants flat samples.
 * @see https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** One sample line. */
export interface PromSample {
  /** Metric name of the line, suffix included (`x_bucket`, `x_count`, `x_sum`). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A line that is not valid exposition text, with where and why. */
export class PromTextError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
    readonly text: string,
  ) {
    super(`line ${line}: ${reason}: ${JSON.stringify(text.slice(0, 120))}`);
    this.name = "PromTextError";
  }
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** Parses a sample value: a Go float, `+Inf`, `-Inf` or `NaN`. */
function parseValue(raw: string): number | undefined {
  if (raw === "+Inf" || raw === "Inf") return Infinity;
  if (raw === "-Inf") return -Infinity;
  if (raw === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) return undefined;
  return Number(raw);
}

/** Reads `{a="x",b="y"}` from `text` at `at`; returns the labels and where they end. */
function parseLabels(
  text: string,
  at: number,
  fail: (reason: string) => never,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let i = at + 1;
  for (;;) {
    while (text[i] === " ") i += 1;
    if (text[i] === "}") return { labels, end: i + 1 };
    const name = LABEL_NAME.exec(text.slice(i))?.[0];
    if (name === undefined) fail("expected a label name");
    i += name.length;
    if (text[i] !== "=" || text[i + 1] !== '"') fail(`expected ="…" after label ${name}`);
    i += 2;
    let value = "";
    for (;;) {
      const c = text[i];
      if (c === undefined) fail(`unterminated value of label ${name}`);
      i += 1;
      if (c === '"') break;
      if (c !== "\\") {
        value += c;
        continue;
      }
      const e = text[i];
      i += 1;
      if (e === "n") value += "\n";
      else if (e === "\\" || e === '"') value += e;
      else fail(`unknown escape \\${e ?? ""} in label ${name}`);
    }
    if (Object.hasOwn(labels, name)) fail(`label ${name} given twice`);
    labels[name] = value;
    while (text[i] === " ") i += 1;
    if (text[i] === ",") i += 1;
    else if (text[i] !== "}") fail(`expected , or } after label ${name}`);
  }
}

/** Parses one sample line (not a comment, not blank). */
function parseSample(line: string, fail: (reason: string) => never): PromSample {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) fail("expected a metric name");
  let i = name.length;
  let labels: Record<string, string> = {};
  if (line[i] === "{") ({ labels, end: i } = parseLabels(line, i, fail));
  const rest = line
    .slice(i)
    .trim()
    .split(/[ \t]+/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === "") {
    fail("expected a value and an optional timestamp after the name and labels");
  }
  const value = parseValue(rest[0]!);
  if (value === undefined) fail(`${JSON.stringify(rest[0])} is not a number`);
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) {
    fail(`${JSON.stringify(rest[1])} is not a timestamp in milliseconds`);
  }
  return { name, labels, value };
}

/**
 * Parses a whole exposition into its samples, in order.
 * @throws PromTextError naming the first bad line, its number and what was expected.
 */
export function parsePromText(text: string): PromSample[] {
  const samples: PromSample[] = [];
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const line = raw.replace(/\r$/, "").trim();
    // Comments, HELP and TYPE: the sample names and suffixes say all analysis needs.
    if (line === "" || line.startsWith("#")) return;
    const fail = (reason: string): never => {
      throw new PromTextError(index + 1, reason, raw);
    };
    samples.push(parseSample(line, fail));
  });
  return samples;
}
