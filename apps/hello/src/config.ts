import { readFileSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { extname } from "node:path";

/** Largest port number a TCP listener can use. */
export const MAX_PORT = 65535;

/**
 * Longest accepted VERSION: the version usually doubles as a Kubernetes label value, which is
 * limited to 63 characters.
 */
export const MAX_VERSION_LENGTH = 63;

/** Upper bound for DRAIN_SECONDS and READINESS_GRACE_SECONDS: an hour is already far too long. */
export const MAX_SECONDS = 3600;

/** Largest CONFIG_FILE accepted: a ConfigMap cannot hold more than 1 MiB anyway. */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/**
 * Most decimal places HELLO_FAILURE_RATIO takes: the app fails exactly
 * floor(n * ratio) of its first n `GET /` requests, counted in thousandths.
 */
export const FAILURE_RATIO_DECIMALS = 3;

/** Default greeting, as in the Kubernetes bootcamp app. */
export const DEFAULT_GREETING = "Hello Kubernetes bootcamp!";

/** The file named by CONFIG_FILE, read once at start and served unchanged by GET /config. */
export interface ConfigFile {
  /** The path as given in CONFIG_FILE. */
  path: string;
  /** `application/json` for `.json` files (checked to parse), `text/plain` for anything else. */
  contentType: "application/json" | "text/plain";
  /** The file's content, decoded as UTF-8. */
  content: string;
}

/** Validated settings of the app; see {@link parseConfig} for the variables behind each field. */
export interface Config {
  /** TCP port to listen on (PORT). 0 asks the OS for a free port; only tests pass it. */
  port: number;
  /** Version reported by `/` and `/version` (VERSION). */
  version: string;
  /**
   * Seconds the app may spend after SIGTERM finishing in-flight requests before it cuts the
   * remaining connections and exits 1 (DRAIN_SECONDS). Keep it below the pod's
   * terminationGracePeriodSeconds minus any preStop sleep, or the kubelet kills the app first.
   */
  drainSeconds: number;
  /**
   * Seconds between SIGTERM and closing the listener during which /readyz answers 503 but new
   * connections are still served (READINESS_GRACE_SECONDS). Usually 0: a preStop sleep already
   * keeps the pod serving until the endpoint is gone. Counts against {@link drainSeconds}.
   */
  readinessGraceSeconds: number;
  /** First part of the `/` response (GREETING). */
  greeting: string;
  /** Pod name reported by `/` (POD_NAME, from the downward API; defaults to the hostname). */
  podName: string;
  /** Namespace reported by `/` as JSON (POD_NAMESPACE, from the downward API), if known. */
  podNamespace: string | undefined;
  /** The file behind GET /config (CONFIG_FILE), if one is configured. */
  configFile: ConfigFile | undefined;
  /**
   * Share of `GET /` requests answered with 500 (HELLO_FAILURE_RATIO), from 0 to 1; 0 in
   * production. A test knob: it makes a version that passes readiness but fails real traffic,
   * the case canary analysis must catch. Probes and /metrics never fail.
   */
  failureRatio: number;
}

/** Thrown by {@link parseConfig} with every problem found, so one restart can fix them all. */
export class ConfigError extends Error {
  /** One sentence per bad variable, naming it, its value and what would be valid. */
  readonly problems: string[];

  /** @param problems one sentence per bad variable; must not be empty. */
  constructor(problems: string[]) {
    const count = problems.length === 1 ? "1 problem" : `${problems.length} problems`;
    super(`invalid configuration (${count}):\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/**
 * Reads the app's settings from environment variables. Unknown variables are ignored because a
 * container's environment is shared with everything else in it. A variable set to the empty
 * string counts as set, and is rejected where an empty value makes no sense.
 *
 * Reads the file named by CONFIG_FILE, if any, so a missing or broken ConfigMap mount stops the
 * app at start instead of failing requests later.
 *
 * @param env the environment, normally `process.env`.
 * @returns the validated settings, defaults filled in.
 * @throws ConfigError listing every bad value at once.
 */
export function parseConfig(env: NodeJS.ProcessEnv): Config {
  const problems: string[] = [];
  const port = integer(env, "PORT", 8080, 1, MAX_PORT, "", problems);
  const drainSeconds = integer(env, "DRAIN_SECONDS", 10, 0, MAX_SECONDS, " (seconds)", problems);
  const graceName = "READINESS_GRACE_SECONDS";
  const grace = integer(env, graceName, 0, 0, MAX_SECONDS, " (seconds)", problems);
  // A grace as long as the drain budget would leave no time to finish in-flight requests.
  if (grace !== undefined && drainSeconds !== undefined && grace > 0 && grace >= drainSeconds) {
    problems.push(
      `${graceName}=${show(env[graceName])} is not valid: expected 0 or less than ` +
        `DRAIN_SECONDS (${drainSeconds}), which it counts against`,
    );
  }
  const version = text(env, "VERSION", "v1", problems, (v) =>
    v.length <= MAX_VERSION_LENGTH && /^[^\s\p{Cc}]+$/u.test(v)
      ? undefined
      : `expected 1 to ${MAX_VERSION_LENGTH} characters without spaces or control characters`,
  );
  const greeting = text(env, "GREETING", DEFAULT_GREETING, problems, singleLine);
  const podName = text(env, "POD_NAME", hostname(), problems, singleLine);
  // The RFC 1123 label rule is @steady/core's isDns1123Label; the app ships with Node built-ins
  // only (no node_modules in its image), so it keeps its own copy of the rule.
  const podNamespace = text(env, "POD_NAMESPACE", undefined, problems, (v) =>
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v)
      ? undefined
      : "expected a namespace name: 1 to 63 lowercase letters, digits or '-', " +
        "starting and ending with a letter or digit",
  );
  const configFile = readConfigFile(env["CONFIG_FILE"], problems);
  const failureRatio = ratio(env, "HELLO_FAILURE_RATIO", problems);
  // The numbers are undefined only when a problem was recorded; the checks just tell TypeScript.
  if (
    problems.length > 0 ||
    port === undefined ||
    drainSeconds === undefined ||
    grace === undefined
  ) {
    throw new ConfigError(problems);
  }
  return {
    port,
    version,
    drainSeconds,
    readinessGraceSeconds: grace,
    greeting: greetingFrom(configFile) ?? greeting,
    podName,
    podNamespace,
    configFile,
    failureRatio,
  };
}

/**
 * Parses a share from 0 to 1 written as a plain decimal (`0`, `0.2`, `1`), at most
 * {@link FAILURE_RATIO_DECIMALS} places; absent means 0.
 */
function ratio(env: NodeJS.ProcessEnv, name: string, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined) return 0;
  const places = FAILURE_RATIO_DECIMALS;
  if (new RegExp(`^(0(\\.[0-9]{1,${places}})?|1(\\.0{1,${places}})?)$`).test(raw)) {
    return Number(raw);
  }
  problems.push(
    `${name}=${show(raw)} is not valid: expected a decimal from 0 to 1 with at most ` +
      `${places} decimal places (0.2 answers one GET / in five with 500)`,
  );
  return 0;
}

/** Quotes a value for a problem message; JSON escapes make stray whitespace visible. */
function show(value: string | undefined): string {
  const shown = value !== undefined && value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(shown ?? "");
}

/** Parses a decimal integer in [min, max]; signs, decimals, exponents and spaces are refused. */
function integer(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
  unit: string,
  problems: string[],
): number | undefined {
  const raw = env[name];
  if (raw === undefined) return fallback;
  if (/^[0-9]{1,10}$/.test(raw)) {
    const value = Number(raw);
    if (value >= min && value <= max) return value;
  }
  problems.push(
    `${name}=${show(raw)} is not valid: expected an integer from ${min} to ${max}${unit}`,
  );
  return undefined;
}

/** Returns the variable or its fallback; `check` returns what would be valid when it is not. */
function text<T extends string | undefined>(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: T,
  problems: string[],
  check: (value: string) => string | undefined,
): string | T {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const expected = raw === "" ? "expected a non-empty value" : check(raw);
  if (expected === undefined) return raw;
  problems.push(`${name}=${show(raw)} is not valid: ${expected}`);
  // Keeps parsing so that later variables are checked too; the caller throws in the end.
  return fallback;
}

/** Values that end up inside the one-line `/` response must not break that line. */
function singleLine(value: string): string | undefined {
  return /\p{Cc}/u.test(value) ? "expected one line of text without control characters" : undefined;
}

/** Reads CONFIG_FILE now, so that a missing mount fails the start rather than a request. */
function readConfigFile(path: string | undefined, problems: string[]): ConfigFile | undefined {
  if (path === undefined) return undefined;
  const bad = (expected: string): undefined => {
    problems.push(`CONFIG_FILE=${show(path)} is not valid: ${expected}`);
    return undefined;
  };
  if (path === "") return bad("expected the path of a readable file");
  let content: string;
  try {
    // Checked before reading so that a wrong path (say, a device) cannot make us read forever.
    const size = statSync(path).size;
    if (size > MAX_CONFIG_FILE_BYTES) {
      return bad(`expected a file of at most ${MAX_CONFIG_FILE_BYTES} bytes, got ${size} bytes`);
    }
    content = readFileSync(path, "utf8");
  } catch (error) {
    return bad(`expected a readable file (${(error as Error).message})`);
  }
  if (extname(path).toLowerCase() !== ".json") return { path, contentType: "text/plain", content };
  try {
    JSON.parse(content);
  } catch (error) {
    return bad(
      `expected a file holding valid JSON, as its name ends in .json (${(error as Error).message})`,
    );
  }
  return { path, contentType: "application/json", content };
}

/**
 * The `greeting` of a JSON config file, if it has a one-line string one. The file (a mounted,
 * content-hashed ConfigMap) wins over GREETING, so a config change shows in the answer.
 */
function greetingFrom(file: ConfigFile | undefined): string | undefined {
  if (file?.contentType !== "application/json") return undefined;
  const g = (JSON.parse(file.content) as { greeting?: unknown } | null)?.greeting;
  return typeof g === "string" && singleLine(g) === undefined ? g : undefined;
}
