/**
 * The limit a stack's config hits on its way to the program, checked before the engine starts.
 *
 * The language host (tools/toolchain/pulumi-language-nodejs/host.go) hands the program its
 * whole config as ONE environment string, `PULUMI_CONFIG=<JSON object of key: plain value>`
 * (secrets decrypted), marshalled with Go's encoding/json. Linux refuses to exec a process with
 * any single argument or environment string longer than MAX_ARG_STRLEN = 32 pages = 131072
 * bytes, counting its terminating NUL (fs/exec.c, `valid_arg_len`); the engine then fails with
 * "fork/exec …/node: argument list too long", naming neither the key nor the limit.
 */

/** Linux MAX_ARG_STRLEN: the longest single argument or environment string, NUL included. */
export const MAX_ARG_STRLEN = 131072;

/** The name that prefixes the config in the program's environment. */
const CONFIG_VAR = "PULUMI_CONFIG=";

/** Bytes of the longest `PULUMI_CONFIG` JSON the kernel accepts: 131072 − 14 − 1 (NUL) = 131057. */
export const MAX_CONFIG_JSON_BYTES = MAX_ARG_STRLEN - CONFIG_VAR.length - 1;

/**
 * Bytes of `s` as a JSON string (quotes included) the way Go's encoding/json writes it (Go ≥ 1.22):
 * `"` and `\` and \b \f \n \r \t take 2 bytes, other control characters and the HTML-sensitive
 * `<`, `>`, `&` and U+2028/U+2029 take 6 (`\u003c`), everything else its UTF-8 length.
 */
export function goJsonStringBytes(s: string): number {
  let n = 2;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (
      c === 0x22 ||
      c === 0x5c ||
      c === 0x08 ||
      c === 0x0c ||
      c === 0x0a ||
      c === 0x0d ||
      c === 0x09
    )
      n += 2;
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029)
      n += 6;
    else n += Buffer.byteLength(ch, "utf8");
  }
  return n;
}

/** One key's share of the `PULUMI_CONFIG` string: `"key":"value"` plus its separating comma. */
export interface ConfigEntrySize {
  readonly key: string;
  readonly bytes: number;
}

/** Sizes of every entry and of the whole `PULUMI_CONFIG` JSON object. */
export function configJsonSize(config: Readonly<Record<string, string>>): {
  total: number;
  entries: ConfigEntrySize[];
} {
  const entries = Object.entries(config).map(([key, value]) => ({
    key,
    bytes: goJsonStringBytes(key) + 1 + goJsonStringBytes(value),
  }));
  const commas = Math.max(0, entries.length - 1);
  return { total: 2 + commas + entries.reduce((a, e) => a + e.bytes, 0), entries };
}

/**
 * The keys that make the config too large for the program's environment, largest first: each
 * key whose value alone passes the limit, else the fewest largest keys whose removal brings the
 * total under it. Empty when the config fits.
 */
export function oversizedConfigKeys(
  config: Readonly<Record<string, string>>,
  limit = MAX_CONFIG_JSON_BYTES,
): ConfigEntrySize[] {
  const { total, entries } = configJsonSize(config);
  if (total <= limit) return [];
  const bySize = [...entries].sort((a, b) => b.bytes - a.bytes);
  const alone = bySize.filter((e) => e.bytes + 2 > limit);
  if (alone.length) return alone;
  const culprits: ConfigEntrySize[] = [];
  let left = total;
  for (const e of bySize) {
    if (left <= limit) break;
    culprits.push(e);
    left -= e.bytes + 1;
  }
  return culprits;
}

/** Thrown before the engine starts when the config cannot reach the program. */
export class ConfigTooLarge extends Error {
  constructor(
    readonly keys: readonly ConfigEntrySize[],
    readonly totalBytes: number,
  ) {
    super(
      [
        `the stack's config is too large to reach the program: ${totalBytes} bytes of JSON, and the limit is ${MAX_CONFIG_JSON_BYTES} bytes`,
        `(the language host passes the whole config, secrets decrypted, as one environment variable PULUMI_CONFIG; Linux refuses any single environment string over MAX_ARG_STRLEN = ${MAX_ARG_STRLEN} bytes)`,
        "too large:",
        ...keys.map((k) => `  - ${k.key}: ${k.bytes} bytes`),
        "Keep large data out of config: put it in a file the program reads, or in a ConfigMap built from one.",
      ].join("\n"),
    );
    this.name = "ConfigTooLarge";
  }
}

/** Throws {@link ConfigTooLarge} when `config` (plain values by full key) does not fit. */
export function checkConfigSize(config: Readonly<Record<string, string>>): void {
  const keys = oversizedConfigKeys(config);
  if (keys.length) throw new ConfigTooLarge(keys, configJsonSize(config).total);
}
