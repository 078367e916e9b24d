import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { ConfigError, DEFAULT_GREETING, MAX_CONFIG_FILE_BYTES, parseConfig } from "../src/config";

/** Runs parseConfig and returns its problems, failing the test if it does not throw. */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`parseConfig accepted ${JSON.stringify(env)}`);
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "hello-config-"));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("parseConfig defaults", () => {
  it("fills in every default from an empty environment", () => {
    expect(parseConfig({})).toEqual({
      port: 8080,
      version: "v1",
      drainSeconds: 10,
      readinessGraceSeconds: 0,
      greeting: DEFAULT_GREETING,
      podName: hostname(),
      podNamespace: undefined,
      configFile: undefined,
      failureRatio: 0,
    });
    expect(DEFAULT_GREETING).toBe("Hello Kubernetes bootcamp!");
  });

  it("ignores variables it does not know, since the environment is shared", () => {
    expect(parseConfig({ PATH: "/bin", PORT_NUMBER: "x", HOME: "" })).toEqual(parseConfig({}));
  });
});

describe("parseConfig accepts", () => {
  it.each([
    ["PORT", "1", { port: 1 }],
    ["PORT", "65535", { port: 65535 }],
    ["PORT", "08080", { port: 8080 }],
    ["VERSION", "v2.3.1-rc.1", { version: "v2.3.1-rc.1" }],
    ["VERSION", "x".repeat(63), { version: "x".repeat(63) }],
    ["DRAIN_SECONDS", "0", { drainSeconds: 0 }],
    ["DRAIN_SECONDS", "3600", { drainSeconds: 3600 }],
    ["GREETING", "Hi there, ünïcode 👋", { greeting: "Hi there, ünïcode 👋" }],
    ["POD_NAME", "hello-7d4b9c-x2x9z", { podName: "hello-7d4b9c-x2x9z" }],
    ["POD_NAMESPACE", "kube-system", { podNamespace: "kube-system" }],
    ["POD_NAMESPACE", "a", { podNamespace: "a" }],
  ])("%s=%j", (name, value, expected) => {
    expect(parseConfig({ [name]: value })).toMatchObject(expected);
  });

  it("a readiness grace shorter than the drain budget", () => {
    const config = parseConfig({ READINESS_GRACE_SECONDS: "5", DRAIN_SECONDS: "30" });
    expect(config).toMatchObject({ readinessGraceSeconds: 5, drainSeconds: 30 });
  });

  it("every port from 1 to 65535", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 65535 }), (port) => {
        expect(parseConfig({ PORT: String(port) }).port).toBe(port);
      }),
    );
  });
});

describe("parseConfig rejects", () => {
  const port = "expected an integer from 1 to 65535";
  const seconds = "expected an integer from 0 to 3600 (seconds)";
  const version = "expected 1 to 63 characters without spaces or control characters";
  const line = "expected one line of text without control characters";
  const namespace =
    "expected a namespace name: 1 to 63 lowercase letters, digits or '-', " +
    "starting and ending with a letter or digit";

  it.each([
    ["PORT", "70000", port],
    ["PORT", "0", port],
    ["PORT", "-1", port],
    ["PORT", "", port],
    ["PORT", " 8080", port],
    ["PORT", "8080.0", port],
    ["PORT", "1e3", port],
    ["PORT", "0x50", port],
    ["PORT", "http", port],
    ["PORT", "99999999999999999999", port],
    ["DRAIN_SECONDS", "3601", seconds],
    ["DRAIN_SECONDS", "-5", seconds],
    ["DRAIN_SECONDS", "1.5", seconds],
    ["DRAIN_SECONDS", "10s", seconds],
    ["READINESS_GRACE_SECONDS", "-1", seconds],
    ["READINESS_GRACE_SECONDS", "abc", seconds],
    ["VERSION", "", "expected a non-empty value"],
    ["VERSION", "x".repeat(64), version],
    ["VERSION", "v 1", version],
    ["VERSION", "v1\n", version],
    ["GREETING", "", "expected a non-empty value"],
    ["GREETING", "two\nlines", line],
    ["POD_NAME", "", "expected a non-empty value"],
    ["POD_NAME", "pod\u0000", line],
    ["POD_NAMESPACE", "", "expected a non-empty value"],
    ["POD_NAMESPACE", "Default", namespace],
    ["POD_NAMESPACE", "-dev", namespace],
    ["POD_NAMESPACE", "n".repeat(64), namespace],
    ["CONFIG_FILE", "", "expected the path of a readable file"],
  ])("%s=%j with exactly one problem", (name, value, expected) => {
    expect(problemsOf({ [name]: value })).toEqual([
      `${name}=${JSON.stringify(value)} is not valid: ${expected}`,
    ]);
  });

  it("shortens very long values in the message", () => {
    const value = "9".repeat(200);
    expect(problemsOf({ PORT: value })).toEqual([
      `PORT="${"9".repeat(80)}…" is not valid: ${port}`,
    ]);
  });

  it.each([
    ["10", "10"],
    ["20", "10"],
    ["1", "0"],
  ])("READINESS_GRACE_SECONDS=%s that uses up DRAIN_SECONDS=%s", (grace, drain) => {
    expect(problemsOf({ READINESS_GRACE_SECONDS: grace, DRAIN_SECONDS: drain })).toEqual([
      `READINESS_GRACE_SECONDS="${grace}" is not valid: expected 0 or less than ` +
        `DRAIN_SECONDS (${drain}), which it counts against`,
    ]);
  });

  it("every PORT that is not a plain decimal integer", () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/^[0-9]+$/.test(s)),
        (value) => {
          expect(problemsOf({ PORT: value })).toEqual([
            `PORT=${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)} ` +
              `is not valid: ${port}`,
          ]);
        },
      ),
    );
  });

  it("reports every bad value together, in one error", () => {
    const env = {
      PORT: "70000",
      VERSION: "",
      DRAIN_SECONDS: "forever",
      GREETING: "a\nb",
      POD_NAMESPACE: "Prod",
      CONFIG_FILE: join(dir, "missing.json"),
    };
    let thrown: unknown;
    try {
      parseConfig(env);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    const error = thrown as ConfigError;
    expect(error.name).toBe("ConfigError");
    expect(error.problems).toEqual([
      `PORT="70000" is not valid: ${port}`,
      `DRAIN_SECONDS="forever" is not valid: ${seconds}`,
      `VERSION="" is not valid: expected a non-empty value`,
      `GREETING="a\\nb" is not valid: ${line}`,
      `POD_NAMESPACE="Prod" is not valid: ${namespace}`,
      `CONFIG_FILE=${JSON.stringify(env.CONFIG_FILE)} is not valid: expected a readable file ` +
        `(ENOENT: no such file or directory, stat '${env.CONFIG_FILE}')`,
    ]);
    expect(error.message).toBe(
      `invalid configuration (6 problems):\n${error.problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  });

  it("skips the grace/drain comparison when DRAIN_SECONDS itself is bad", () => {
    expect(problemsOf({ READINESS_GRACE_SECONDS: "5", DRAIN_SECONDS: "x" })).toEqual([
      `DRAIN_SECONDS="x" is not valid: ${seconds}`,
    ]);
  });

  it("counts a single problem in the message", () => {
    expect(() => parseConfig({ PORT: "0" })).toThrow(
      `invalid configuration (1 problem):\n  - PORT="0" is not valid: ${port}`,
    );
  });
});

describe("CONFIG_FILE", () => {
  it("reads a JSON file and serves it as JSON", () => {
    const path = join(dir, "settings.json");
    writeFileSync(path, '{"feature": true}\n');
    expect(parseConfig({ CONFIG_FILE: path }).configFile).toEqual({
      path,
      contentType: "application/json",
      content: '{"feature": true}\n',
    });
  });

  it("reads any other file as text, unparsed", () => {
    const path = join(dir, "settings.properties");
    writeFileSync(path, "feature=on\n{not json\n");
    expect(parseConfig({ CONFIG_FILE: path }).configFile).toEqual({
      path,
      contentType: "text/plain",
      content: "feature=on\n{not json\n",
    });
  });

  it("names a missing file clearly", () => {
    const path = join(dir, "nope", "config.json");
    expect(problemsOf({ CONFIG_FILE: path })).toEqual([
      `CONFIG_FILE=${JSON.stringify(path)} is not valid: expected a readable file ` +
        `(ENOENT: no such file or directory, stat '${path}')`,
    ]);
  });

  it("refuses a directory", () => {
    expect(problemsOf({ CONFIG_FILE: dir })).toEqual([
      `CONFIG_FILE=${JSON.stringify(dir)} is not valid: expected a readable file ` +
        `(EISDIR: illegal operation on a directory, read)`,
    ]);
  });

  it("refuses a .json file that does not parse", () => {
    const path = join(dir, "broken.json");
    writeFileSync(path, "{broken");
    const [problem, ...rest] = problemsOf({ CONFIG_FILE: path });
    expect(rest).toEqual([]);
    // The parser's own wording differs between Node versions; our part of the message does not.
    expect(problem).toMatch(
      new RegExp(
        `^CONFIG_FILE=${escape(JSON.stringify(path))} is not valid: expected a file holding ` +
          `valid JSON, as its name ends in \\.json \\(.+\\)$`,
      ),
    );
  });

  it("refuses a file larger than a ConfigMap can hold", () => {
    const path = join(dir, "huge.txt");
    writeFileSync(path, Buffer.alloc(MAX_CONFIG_FILE_BYTES + 1, "a"));
    expect(problemsOf({ CONFIG_FILE: path })).toEqual([
      `CONFIG_FILE=${JSON.stringify(path)} is not valid: expected a file of at most 1048576 ` +
        `bytes, got 1048577 bytes`,
    ]);
  });
});

/** Escapes a literal string for use inside a RegExp. */
function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("the greeting from a JSON config file", () => {
  const tmp = mkdtempSync(join(tmpdir(), "hello-greeting-"));

  it("overrides GREETING when the file has a one-line greeting", () => {
    const file = join(tmp, "config.json");
    writeFileSync(file, JSON.stringify({ greeting: "Hello from the ConfigMap" }));
    expect(parseConfig({ CONFIG_FILE: file, GREETING: "from env" }).greeting).toBe(
      "Hello from the ConfigMap",
    );
  });

  it("keeps GREETING when the file has none", () => {
    const file = join(tmp, "other.json");
    writeFileSync(file, JSON.stringify({ level: 2 }));
    expect(parseConfig({ CONFIG_FILE: file, GREETING: "from env" }).greeting).toBe("from env");
  });
});
