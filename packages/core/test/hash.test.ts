import fc from "fast-check";
import { createHash } from "node:crypto";
import { contentHash, stableStringify } from "../src/hash";

/** A small deterministic PRNG, so a shuffle is reproducible from fast-check's seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rebuilds `value` with the keys of every object (at any depth) in a shuffled order. */
function shuffleKeys(value: unknown, random: () => number): unknown {
  if (Array.isArray(value)) return value.map((v) => shuffleKeys(v, random));
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value as Record<string, unknown>);
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  // fromEntries defines own properties, so a "__proto__" key stays a key.
  return Object.fromEntries(entries.map(([k, v]) => [k, shuffleKeys(v, random)]));
}

describe("stableStringify", () => {
  it("sorts keys at every depth and keeps array order", () => {
    expect(stableStringify({ b: 1, a: { d: [1, { f: 1, e: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"e":2,"f":1}]},"b":1}',
    );
  });

  it("leaves out keys whose value is undefined", () => {
    expect(stableStringify({ a: 1, b: undefined })).toBe('{"a":1}');
  });

  it.each([
    [null, "null"],
    [undefined, "null"],
    ["x", '"x"'],
    [1.5, "1.5"],
    [true, "true"],
    [[], "[]"],
    [{}, "{}"],
  ])("writes %j as %s", (value, expected) => {
    expect(stableStringify(value)).toBe(expected);
  });

  it("writes JSON that parses back to the same value, for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(JSON.parse(stableStringify(value))).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });
});

describe("contentHash", () => {
  it("is the first 10 hex characters of the SHA-256 of the stable JSON text", () => {
    const value = { b: [1, 2], a: "x" };
    const expected = createHash("sha256").update('{"a":"x","b":[1,2]}').digest("hex").slice(0, 10);
    expect(contentHash(value)).toBe(expected);
    expect(contentHash(value)).toMatch(/^[0-9a-f]{10}$/);
  });

  it("returns as many hex characters as asked for", () => {
    expect(contentHash({ a: 1 }, 16)).toMatch(/^[0-9a-f]{16}$/);
    expect(contentHash({ a: 1 }, 16).startsWith(contentHash({ a: 1 }))).toBe(true);
  });

  it("does not depend on key order, at any depth, for any JSON value", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
        const shuffled = shuffleKeys(value, mulberry32(seed));
        expect(contentHash(shuffled)).toBe(contentHash(value));
      }),
    );
  });

  it("does not depend on the insertion order of a flat config map", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.string(), fc.string()), { selector: ([k]) => k, minLength: 2 }),
        (entries) => {
          const forward = Object.fromEntries(entries);
          const backward = Object.fromEntries([...entries].reverse());
          expect(contentHash(backward)).toBe(contentHash(forward));
        },
      ),
    );
  });

  it("changes when a value changes", () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.string(),
        fc.jsonValue(),
        fc.jsonValue(),
        (base, key, a, b) => {
          fc.pre(stableStringify(a) !== stableStringify(b));
          const one = Object.fromEntries([...Object.entries(base), [key, a]]);
          const two = Object.fromEntries([...Object.entries(base), [key, b]]);
          expect(contentHash(one)).not.toBe(contentHash(two));
        },
      ),
    );
  });

  it.each<[unknown, unknown, string]>([
    [{ a: 1 }, { a: 2 }, "a changed value"],
    [{ a: 1 }, { b: 1 }, "a renamed key"],
    [{ a: 1 }, { a: 1, b: 2 }, "an added key"],
    [[1, 2], [2, 1], "reordered array items"],
    [{ a: "1" }, { a: 1 }, "a string instead of a number"],
  ])("differs between %j and %j (%s)", (one, two) => {
    expect(contentHash(one)).not.toBe(contentHash(two));
  });
});
