import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PromTextError, parsePromText } from "../src/prom-text";

describe("parsePromText", () => {
  it("reads what apps/hello serves (prom-client 15), every sample with its labels", () => {
    // Captured from the app's createMetrics: 8 x 200 and 1 x 500 on /, 1 x 404.
    const text = readFileSync(join(__dirname, "fixtures", "hello-metrics.txt"), "utf8");
    const samples = parsePromText(text);
    expect(samples).toHaveLength(3 + 2 * 16 + 1);
    expect(samples[1]).toEqual({
      name: "hello_http_requests_total",
      labels: { route: "hello", status_class: "5xx", version: "v2" },
      value: 1,
    });
    expect(samples.find((s) => s.name.endsWith("_bucket") && s.labels["le"] === "+Inf")).toEqual({
      name: "hello_http_request_duration_seconds_bucket",
      labels: { le: "+Inf", version: "v2", route: "hello" },
      value: 9,
    });
  });

  it.each([
    ["x 1", { name: "x", labels: {}, value: 1 }],
    ["x{} 1.5e3", { name: "x", labels: {}, value: 1500 }],
    ["x +Inf", { name: "x", labels: {}, value: Infinity }],
    ["x -Inf 1700000000000", { name: "x", labels: {}, value: -Infinity }],
    ['x{a="q\\"u\\\\o\\nte"} -2', { name: "x", labels: { a: 'q"u\\o\nte' }, value: -2 }],
    ['x{a="1", b="},{"} 0', { name: "x", labels: { a: "1", b: "},{" }, value: 0 }],
    ['x_total{a="1",} 3', { name: "x_total", labels: { a: "1" }, value: 3 }],
    ["ns:x_y 0.25", { name: "ns:x_y", labels: {}, value: 0.25 }],
  ])("parses %j", (line, expected) => {
    expect(parsePromText(line)).toEqual([expected]);
  });

  it("reads NaN as NaN", () => {
    expect(parsePromText("x NaN")[0]?.value).toBeNaN();
  });

  it("skips blank lines, comments, HELP and TYPE, and CRLF endings", () => {
    expect(parsePromText("# HELP x y\r\n# TYPE x counter\r\n\r\nx 2\r\n")).toEqual([
      { name: "x", labels: {}, value: 2 },
    ]);
  });

  it.each([
    ["x", "expected a value and an optional timestamp after the name and labels"],
    ["x one", '"one" is not a number'],
    ["x 1 2 3", "expected a value and an optional timestamp after the name and labels"],
    ["x 1 soon", '"soon" is not a timestamp in milliseconds'],
    ['x{a="1} 2', "unterminated value of label a"],
    ["x{a=1} 2", 'expected ="…" after label a'],
    ['x{a="1" b="2"} 3', "expected , or } after label a"],
    ['x{a="\\t"} 1', "unknown escape \\t in label a"],
    ['x{a="1",a="2"} 1', "label a given twice"],
    ['{a="1"} 1', "expected a metric name"],
    ["1x 1", "expected a metric name"],
  ])("refuses %j, naming the line and what was expected", (line, reason) => {
    const text = `# TYPE ok gauge\nok 1\n${line}\n`;
    expect(() => parsePromText(text)).toThrow(new PromTextError(3, reason, line));
    expect(() => parsePromText(text)).toThrow(`line 3: ${reason}`);
  });
});
