import { parseQuantity } from "../src/quantity";

describe("parseQuantity", () => {
  it.each([
    ["250m", 0.25],
    ["128Mi", 134217728],
    ["1e3", 1000],
    ["1E3", 1000],
    ["1.5e3", 1500],
    ["1e-3", 0.001],
    ["1.5Gi", 1610612736],
    ["1Ki", 1024],
    ["2Ti", 2 * 2 ** 40],
    ["1", 1],
    ["0", 0],
    ["0.5", 0.5],
    [".5", 0.5],
    ["1.", 1],
    ["+1", 1],
    ["-1", -1],
    ["2k", 2000],
    ["3M", 3e6],
    ["4G", 4e9],
    ["1E", 1e18],
    ["3u", 0.000003],
  ])("parses %j as %d base units", (q, expected) => {
    expect(parseQuantity(q)).toBe(expected);
  });

  it("parses nano units to within floating-point error", () => {
    expect(parseQuantity("100n")).toBeCloseTo(1e-7, 15);
  });

  it.each([
    [2, 2],
    [0.25, 0.25],
    [0, 0],
  ])("passes the finite number %d through", (n, expected) => {
    expect(parseQuantity(n)).toBe(expected);
  });

  it.each([
    ["", "the empty string"],
    ["abc", "words"],
    ["lots", "a word starting like a suffix"],
    ["m", "a suffix without a number"],
    ["1e", "an exponent without digits"],
    ["1.2.3", "two decimal points"],
    ["1KiB", "a byte unit"],
    ["1kb", "a lower-case byte unit"],
    ["1Mi1", "digits after the suffix"],
    ["1e3m", "an exponent and a suffix together"],
    ["1.5 Gi", "a space before the suffix"],
    [" 1", "leading white space"],
    ["1 ", "trailing white space"],
    ["0x10", "hexadecimal"],
  ])("returns undefined for %j (%s)", (q) => {
    expect(parseQuantity(q)).toBeUndefined();
  });

  it.each([
    [Number.NaN, "NaN"],
    [Number.POSITIVE_INFINITY, "Infinity"],
  ])("returns undefined for the number %d (%s)", (n) => {
    expect(parseQuantity(n)).toBeUndefined();
  });
});
