import { spawnSync } from "node:child_process";
import {
  ConfigTooLarge,
  MAX_ARG_STRLEN,
  MAX_CONFIG_JSON_BYTES,
  checkConfigSize,
  configJsonSize,
  goJsonStringBytes,
  oversizedConfigKeys,
} from "../src/config-size";

describe("the size of PULUMI_CONFIG", () => {
  it("is the limit this kernel enforces on one environment string", () => {
    // The real exec: PULUMI_CONFIG=<json> of exactly the computed maximum starts, one byte more
    // fails with E2BIG ("argument list too long"), as the language host's exec of node does.
    const run = (jsonBytes: number) =>
      spawnSync("/bin/true", { env: { PULUMI_CONFIG: "x".repeat(jsonBytes) } });
    expect(run(MAX_CONFIG_JSON_BYTES).error).toBeUndefined();
    expect(run(MAX_CONFIG_JSON_BYTES + 1).error).toMatchObject({ code: "E2BIG" });
    expect(MAX_ARG_STRLEN).toBe(131072);
  });

  it.each([
    ["plain", "abc", 5],
    ["quote and backslash", '"\\', 6],
    ["newline and tab", "\n\t", 6],
    ["another control character", "\u0001", 8],
    ["HTML-sensitive characters, as Go escapes them", "<>&", 20],
    ["multi-byte UTF-8", "é€😀", 2 + 2 + 3 + 4],
    ["line separator", "\u2028", 8],
  ])("counts %s as Go's encoding/json writes it", (_, s, bytes) => {
    expect(goJsonStringBytes(s)).toBe(bytes);
  });

  it("agrees with JSON.stringify where Go and JavaScript escape alike", () => {
    const config = {
      "steady-app:image": "steady/hello:1.0.0",
      "steady-app:greeting": 'say "hi"\n',
    };
    expect(configJsonSize(config).total).toBe(Buffer.byteLength(JSON.stringify(config)));
  });

  it("names nothing when the config fits, up to the last byte", () => {
    const key = "p:k";
    // {"p:k":"<value>"}: 2 braces + 5 for the key + 1 colon + 2 quotes.
    const value = "v".repeat(MAX_CONFIG_JSON_BYTES - 10);
    expect(configJsonSize({ [key]: value }).total).toBe(MAX_CONFIG_JSON_BYTES);
    expect(oversizedConfigKeys({ [key]: value })).toEqual([]);
    expect(oversizedConfigKeys({ [key]: `${value}v` }).map((k) => k.key)).toEqual([key]);
  });

  it("names the one key whose value alone is too large", () => {
    const keys = oversizedConfigKeys({
      "steady-app:image": "x",
      "steady-app:blob": "b".repeat(140_000),
    });
    expect(keys.map((k) => k.key)).toEqual(["steady-app:blob"]);
  });

  it("names the largest keys that together make it too large", () => {
    const keys = oversizedConfigKeys({
      "p:a": "a".repeat(60_000),
      "p:b": "b".repeat(50_000),
      "p:c": "c".repeat(40_000),
      "p:d": "d",
    });
    expect(keys.map((k) => k.key)).toEqual(["p:a"]);
  });

  it("fails with an error naming the key, its size and the limit", () => {
    const error = (() => {
      try {
        checkConfigSize({ "steady-app:greeting": "g".repeat(200_000) });
      } catch (e) {
        return e as ConfigTooLarge;
      }
      throw new Error("no error");
    })();
    expect(error).toBeInstanceOf(ConfigTooLarge);
    expect(error.message).toContain("the limit is 131057 bytes");
    expect(error.message).toContain("  - steady-app:greeting: 200024 bytes");
    expect(error.message).toContain("MAX_ARG_STRLEN = 131072");
  });
});
