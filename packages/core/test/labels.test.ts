import { Problems } from "../src/problems";
import {
  checkLabels,
  isDns1123Label,
  isDns1123Subdomain,
  isLabelKey,
  isLabelValue,
  isPortName,
} from "../src/labels";

const chars = (n: number, c = "a") => c.repeat(n);

describe("isDns1123Label", () => {
  it.each([
    ["a", "a single letter"],
    ["0", "a single digit"],
    ["web-2", "letters, digits and an inner dash"],
    ["0abc", "a leading digit"],
    [chars(63), "exactly 63 characters"],
  ])("accepts %j (%s)", (s) => {
    expect(isDns1123Label(s)).toBe(true);
  });

  it.each([
    ["", "the empty string"],
    [chars(64), "64 characters"],
    ["Web", "an upper-case letter"],
    ["-web", "a leading dash"],
    ["web-", "a trailing dash"],
    ["my_app", "an underscore"],
    ["my.app", "a dot"],
    ["my app", "white space"],
  ])("rejects %j (%s)", (s) => {
    expect(isDns1123Label(s)).toBe(false);
  });
});

describe("isDns1123Subdomain", () => {
  it.each([
    ["a", "one label"],
    ["example.com", "two labels"],
    ["app.kubernetes.io", "three labels"],
    ["a-1.b-2.c-3", "labels with dashes and digits"],
    [`${chars(63)}.${chars(63)}.${chars(63)}.${chars(61)}`, "exactly 253 characters"],
  ])("accepts %j (%s)", (s) => {
    expect(isDns1123Subdomain(s)).toBe(true);
  });

  it.each([
    ["", "the empty string"],
    [`${chars(63)}.${chars(63)}.${chars(63)}.${chars(62)}`, "254 characters"],
    [".example.com", "a leading dot"],
    ["example.com.", "a trailing dot"],
    ["example..com", "two dots in a row"],
    ["Example.com", "an upper-case letter"],
    ["-example.com", "a label starting with a dash"],
    ["example-.com", "a label ending with a dash"],
    ["my_app.io", "an underscore"],
  ])("rejects %j (%s)", (s) => {
    expect(isDns1123Subdomain(s)).toBe(false);
  });
});

describe("isLabelValue", () => {
  it.each([
    ["", "the empty string"],
    ["v1", "letters and digits"],
    ["Release_1.2-rc", "upper case, underscore, dot and dash inside"],
    [chars(63), "exactly 63 characters"],
  ])("accepts %j (%s)", (s) => {
    expect(isLabelValue(s)).toBe(true);
  });

  it.each([
    [chars(64), "64 characters"],
    ["-v1", "a leading dash"],
    ["v1.", "a trailing dot"],
    ["_v1", "a leading underscore"],
    ["v 1", "white space"],
    ["a/b", "a slash"],
  ])("rejects %j (%s)", (s) => {
    expect(isLabelValue(s)).toBe(false);
  });
});

describe("isLabelKey", () => {
  it.each([
    ["app", "a bare name"],
    ["App_Name.v-2", "a name with upper case, underscore, dot and dash"],
    ["app.kubernetes.io/name", "a DNS subdomain prefix and a name"],
    ["steady.dev/environment", "another prefixed name"],
    [`${chars(253)}/x`, "a prefix of 253 characters"],
    [chars(63), "a name of 63 characters"],
  ])("accepts %j (%s)", (s) => {
    expect(isLabelKey(s)).toBe(true);
  });

  it.each([
    ["", "the empty string"],
    ["/name", "an empty prefix"],
    ["example.com/", "an empty name"],
    ["Example.com/name", "an upper-case prefix"],
    ["a/b/c", "two slashes"],
    [chars(64), "a name of 64 characters"],
    [`${chars(254)}/x`, "a prefix of 254 characters"],
    ["-name", "a name starting with a dash"],
    ["name.", "a name ending with a dot"],
    ["my name", "white space"],
  ])("rejects %j (%s)", (s) => {
    expect(isLabelKey(s)).toBe(false);
  });
});

describe("isPortName", () => {
  it.each([
    ["http", "a word"],
    ["h2c", "letters and a digit"],
    ["metrics-9090", "a dash between letters and digits"],
    ["9090a", "a leading digit with a letter later"],
    [chars(15), "exactly 15 characters"],
  ])("accepts %j (%s)", (s) => {
    expect(isPortName(s)).toBe(true);
  });

  it.each([
    ["", "the empty string"],
    ["8080", "digits only"],
    [chars(16), "16 characters"],
    ["HTTP", "upper case"],
    ["-http", "a leading dash"],
    ["http-", "a trailing dash"],
    ["http--alt", "two dashes in a row"],
    ["http_alt", "an underscore"],
    ["http.alt", "a dot"],
  ])("rejects %j (%s)", (s) => {
    expect(isPortName(s)).toBe(false);
  });
});

describe("checkLabels", () => {
  it("records nothing for valid labels or none", () => {
    const problems = new Problems();
    checkLabels(problems, "labels", { "app.kubernetes.io/name": "web", tier: "" });
    checkLabels(problems, "labels", undefined);
    expect(problems.list).toEqual([]);
  });

  it("records an invalid key under the map's path and an invalid value under the key's path", () => {
    const problems = new Problems();
    checkLabels(problems, "metadata.labels", { "bad key": "ok", tier: "front end" });
    expect(problems.list).toEqual([
      {
        propertyPath: "metadata.labels",
        reason:
          'label key "bad key" is not valid: expected an optional DNS subdomain prefix and "/", then at most 63 alphanumerics, "-", "_" or "."',
      },
      {
        propertyPath: "metadata.labels.tier",
        reason:
          'label value "front end" is not valid: expected at most 63 characters, alphanumerics with "-", "_" or "." inside',
      },
    ]);
  });
});
