import type { Problem } from "../src/problems";
import { parseStackConfig, type ConfigField } from "../src/config";
import { isDns1123Label, isLabelValue } from "../src/labels";

const schema = {
  image: {
    type: "string",
    required: true,
    pattern: /^\S+$/,
    patternHint: "an image reference without white space",
  },
  namespace: { type: "string", pattern: /^[a-z]+$/ },
  apiToken: { type: "string", secret: true, pattern: /^tok-/ },
  replicas: { type: "integer", min: 1, max: 10 },
  debug: { type: "boolean" },
  quota: { type: "enum", values: ["small", "medium"] },
  maxSurge: { type: "intOrPercent" },
} satisfies Record<string, ConfigField>;

const parse = (raw: Record<string, string>) => parseStackConfig("app", raw, schema);

describe("parseStackConfig", () => {
  it("parses every type, and leaves keys that are not set undefined", () => {
    const { values, problems } = parse({
      "app:image": "registry.example.com/app:1",
      "app:replicas": "3",
      "app:debug": "true",
      "app:quota": "medium",
      "app:maxSurge": "25%",
    });
    expect(problems.list).toEqual([]);
    expect(values).toEqual({
      image: "registry.example.com/app:1",
      replicas: 3,
      debug: true,
      quota: "medium",
      maxSurge: "25%",
    });
    expect(values.namespace).toBeUndefined();
  });

  it.each<[string, string, number | string | boolean]>([
    ["replicas", "10", 10],
    ["replicas", "1", 1],
    ["debug", "false", false],
    ["maxSurge", "0", 0],
    ["maxSurge", "2", 2],
    ["maxSurge", "0%", "0%"],
    ["maxSurge", "100%", "100%"],
  ])("reads %s = %j as %j", (key, raw, expected) => {
    const { values, problems } = parse({ "app:image": "x", [`app:${key}`]: raw });
    expect(problems.list).toEqual([]);
    expect(values[key as keyof typeof values]).toBe(expected);
  });

  it("ignores keys of other namespaces, such as the provider's", () => {
    expect(
      parse({ "app:image": "x", "kubernetes:context": "kind", "aws:region": "eu-west-1" }).problems
        .list,
    ).toEqual([]);
  });

  it("treats an empty value as not set", () => {
    const { values, problems } = parse({ "app:image": "x", "app:replicas": "" });
    expect(values.replicas).toBeUndefined();
    expect(problems.list).toEqual([]);
  });

  describe.each<[string, Record<string, string>, Problem[]]>([
    [
      "a missing required key",
      {},
      [
        {
          propertyPath: "app:image",
          reason: "is required: set it with `pulumi config set image <value>`",
        },
      ],
    ],
    [
      "a string that does not match, with a hint",
      { "app:image": "my app" },
      [
        {
          propertyPath: "app:image",
          reason: '"my app" is not valid: expected an image reference without white space',
        },
      ],
    ],
    [
      "a string that does not match, without a hint",
      { "app:image": "x", "app:namespace": "Apps" },
      [
        {
          propertyPath: "app:namespace",
          reason: '"Apps" is not valid: expected a value matching /^[a-z]+$/',
        },
      ],
    ],
    [
      "a secret that does not match, without showing it",
      { "app:image": "x", "app:apiToken": "hunter2" },
      [
        {
          propertyPath: "app:apiToken",
          reason: '"[secret]" is not valid: expected a value matching /^tok-/',
        },
      ],
    ],
    [
      "an integer that is not a number",
      { "app:image": "x", "app:replicas": "three" },
      [
        {
          propertyPath: "app:replicas",
          reason: '"three" is not valid: expected an integer from 1 to 10',
        },
      ],
    ],
    [
      "a fractional integer",
      { "app:image": "x", "app:replicas": "1.5" },
      [
        {
          propertyPath: "app:replicas",
          reason: '"1.5" is not valid: expected an integer from 1 to 10',
        },
      ],
    ],
    [
      "an integer above the maximum",
      { "app:image": "x", "app:replicas": "11" },
      [
        {
          propertyPath: "app:replicas",
          reason: '"11" is not valid: expected an integer from 1 to 10',
        },
      ],
    ],
    [
      "an integer below the minimum",
      { "app:image": "x", "app:replicas": "0" },
      [
        {
          propertyPath: "app:replicas",
          reason: '"0" is not valid: expected an integer from 1 to 10',
        },
      ],
    ],
    [
      "a boolean spelled yes",
      { "app:image": "x", "app:debug": "yes" },
      [{ propertyPath: "app:debug", reason: '"yes" is not valid: expected true or false' }],
    ],
    [
      "a value outside the enum",
      { "app:image": "x", "app:quota": "huge" },
      [
        {
          propertyPath: "app:quota",
          reason: '"huge" is not valid: expected one of "small", "medium"',
        },
      ],
    ],
    [
      "a percentage above 100",
      { "app:image": "x", "app:maxSurge": "101%" },
      [
        {
          propertyPath: "app:maxSurge",
          reason:
            '"101%" is not valid: expected a whole number (0 or more) or a percentage like "25%"',
        },
      ],
    ],
    [
      "a negative number where a count or percentage is expected",
      { "app:image": "x", "app:maxSurge": "-1" },
      [
        {
          propertyPath: "app:maxSurge",
          reason:
            '"-1" is not valid: expected a whole number (0 or more) or a percentage like "25%"',
        },
      ],
    ],
    [
      "a key of the project that the schema does not know (a typo)",
      { "app:image": "x", "app:replcas": "3" },
      [
        {
          propertyPath: "app:replcas",
          reason:
            "is not a known setting of app: expected one of image, namespace, apiToken, replicas, debug, quota, maxSurge",
        },
      ],
    ],
  ])("with %s", (_, raw, expected) => {
    it("reports exactly the expected problems", () => {
      expect(parse(raw).problems.list).toEqual(expected);
    });
  });

  it("reports every problem together: schema order first, then unknown keys", () => {
    const { problems } = parse({ "app:replicas": "0", "app:debug": "maybe", "app:colour": "blue" });
    expect(problems.list.map((p) => p.propertyPath)).toEqual([
      "app:image",
      "app:replicas",
      "app:debug",
      "app:colour",
    ]);
  });
});

describe("parseStackConfig and inherited object keys", () => {
  it("reports keys such as constructor as unknown settings", () => {
    const { problems } = parseStackConfig(
      "app",
      { "app:constructor": "x" },
      { name: { type: "string" } },
    );
    expect(problems.list.map((p) => p.propertyPath)).toEqual(["app:constructor"]);
  });
});

describe("parseStackConfig with a component's rule", () => {
  const ruled = {
    namespace: { type: "string", valid: isDns1123Label, patternHint: "an RFC 1123 label" },
    version: { type: "string", valid: isLabelValue },
  } satisfies Record<string, ConfigField>;

  it.each([
    ["namespace", "apps", true],
    ["namespace", "a".repeat(63), true],
    ["namespace", "a".repeat(64), false],
    ["namespace", "Apps", false],
    ["version", "v1.2.3", true],
    ["version", "v 1", false],
  ])("checks %s = %j with the rule (valid: %p)", (key, raw, ok) => {
    const { problems } = parseStackConfig("app", { [`app:${key}`]: raw }, ruled);
    expect(problems.list).toEqual(
      ok
        ? []
        : [
            {
              propertyPath: `app:${key}`,
              reason: `${JSON.stringify(raw)} is not valid: expected ${key === "namespace" ? "an RFC 1123 label" : "a valid value"}`,
            },
          ],
    );
  });
});
