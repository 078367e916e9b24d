import * as pulumi from "@pulumi/pulumi";
import { ArgsValidationError, Problems, checkIntRange, formatProblems } from "../src/problems";

function caught(fn: () => void): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to throw");
}

describe("Problems", () => {
  it("starts empty and ok", () => {
    const problems = new Problems();
    expect(problems.ok).toBe(true);
    expect(problems.list).toEqual([]);
  });

  it("collects problems in the order they were found", () => {
    const problems = new Problems();
    problems.add("replicas", "must be at least 1");
    problems.add("image", "must not be empty");
    problems.add("ports[0].name", "is used twice");
    expect(problems.ok).toBe(false);
    expect(problems.list).toEqual([
      { propertyPath: "replicas", reason: "must be at least 1" },
      { propertyPath: "image", reason: "must not be empty" },
      { propertyPath: "ports[0].name", reason: "is used twice" },
    ]);
  });

  it("records a check only when its condition is false, and returns the condition", () => {
    const problems = new Problems();
    expect(problems.check(true, "a", "never recorded")).toBe(true);
    expect(problems.check(false, "b", "recorded")).toBe(false);
    expect(problems.list).toEqual([{ propertyPath: "b", reason: "recorded" }]);
  });

  it.each([
    ["spec", "containers[0].name", "spec.containers[0].name"],
    ["spec", "", "spec"],
    ["", "containers[0].name", "containers[0].name"],
    ["", "", ""],
  ])("merges with prefix %j a problem at %j under %j", (prefix, path, expected) => {
    const problems = new Problems();
    problems.merge([{ propertyPath: path, reason: "r" }], prefix);
    expect(problems.list).toEqual([{ propertyPath: expected, reason: "r" }]);
  });

  it("merges after the problems already recorded, keeping the order of both", () => {
    const inner = new Problems();
    inner.add("count", "is required");
    inner.add("zones", "lists a zone twice");
    const outer = new Problems();
    outer.add("namespace", "is not valid");
    outer.merge(inner.list, "simulatedNodes");
    expect(outer.list.map((p) => p.propertyPath)).toEqual([
      "namespace",
      "simulatedNodes.count",
      "simulatedNodes.zones",
    ]);
  });

  it("does not throw when there is no problem", () => {
    expect(() => new Problems().throwIfAny("Thing")).not.toThrow();
  });

  it("throws one ArgsValidationError that is a pulumi.InputPropertiesError listing every problem", () => {
    const problems = new Problems();
    problems.add("replicas", "0 is out of range: expected an integer from 1 to 100");
    problems.add("image", "must not be empty");
    const error = caught(() => problems.throwIfAny('AppDeployment "web"'));

    expect(error).toBeInstanceOf(ArgsValidationError);
    expect(error).toBeInstanceOf(Error);
    expect(pulumi.InputPropertiesError.isInstance(error)).toBe(true);
    const e = error as ArgsValidationError;
    expect(e.name).toBe("ArgsValidationError");
    expect(e.errors).toEqual([
      { propertyPath: "replicas", reason: "0 is out of range: expected an integer from 1 to 100" },
      { propertyPath: "image", reason: "must not be empty" },
    ]);
    expect(e.problems).toEqual(e.errors);
    expect(e.message).toBe(
      'AppDeployment "web" has 2 invalid inputs:\n' +
        "  - replicas: 0 is out of range: expected an integer from 1 to 100\n" +
        "  - image: must not be empty",
    );
  });
});

describe("formatProblems", () => {
  it("uses the singular for one problem", () => {
    expect(formatProblems('Pod "job"', [{ propertyPath: "spec", reason: "is wrong" }])).toBe(
      'Pod "job" has 1 invalid input:\n  - spec: is wrong',
    );
  });

  it("leaves out the path when a problem has none", () => {
    expect(formatProblems("Thing", [{ propertyPath: "", reason: "is wrong as a whole" }])).toBe(
      "Thing has 1 invalid input:\n  - is wrong as a whole",
    );
  });

  it("writes one line per problem after the headline", () => {
    const text = formatProblems("Thing", [
      { propertyPath: "a", reason: "one" },
      { propertyPath: "b", reason: "two" },
      { propertyPath: "c", reason: "three" },
    ]);
    expect(text.split("\n")).toEqual([
      "Thing has 3 invalid inputs:",
      "  - a: one",
      "  - b: two",
      "  - c: three",
    ]);
  });
});

describe("checkIntRange", () => {
  it.each([
    [5, []],
    [undefined, []],
    [0, ["n: 0 is out of range: expected an integer from 1 to 10"]],
    [1.5, ["n: 1.5 is out of range: expected an integer from 1 to 10"]],
    [11, ["n: 11 is out of range: expected an integer from 1 to 10"]],
  ])("checks %p against 1..10", (n, expected) => {
    const problems = new Problems();
    checkIntRange(problems, "n", n as number | undefined, 1, 10);
    expect(problems.list.map((p) => `${p.propertyPath}: ${p.reason}`)).toEqual(expected);
  });
});
