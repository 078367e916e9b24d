import {
  linearFit,
  median,
  perApp,
  ratio,
  rolloutFloorSeconds,
  summarize,
  surgePods,
} from "../src/stats";

describe("median", () => {
  it.each([
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[10, 10, 1000], 10],
  ])("of %j is %d", (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it("does not reorder the caller's array", () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it.each([
    [[], "median of no values: at least one run is needed"],
    [[1, Number.NaN], "median of [1,null]: every value must be a finite number"],
  ])("rejects %j", (values, message) => {
    expect(() => median(values)).toThrow(message);
  });
});

describe("summarize", () => {
  it("keeps every run in order with median, min and max", () => {
    expect(summarize([3, 9, 1])).toEqual({ runs: [3, 9, 1], median: 3, min: 1, max: 9 });
  });
});

describe("linearFit", () => {
  it("finds the line through points on a line, with r² 1", () => {
    const fit = linearFit([
      [1, 705],
      [10, 750],
      [50, 950],
      [200, 1700],
    ]);
    expect(fit.slope).toBeCloseTo(5, 10);
    expect(fit.intercept).toBeCloseTo(700, 10);
    expect(fit.r2).toBeCloseTo(1, 10);
  });

  it("reports a poor fit for scattered points", () => {
    expect(
      linearFit([
        [1, 10],
        [2, 0],
        [3, 10],
        [4, 0],
      ]).r2,
    ).toBeLessThan(0.5);
  });

  it("needs two different x values", () => {
    expect(() =>
      linearFit([
        [5, 1],
        [5, 2],
      ]),
    ).toThrow("a line needs points at two different x values, got 1 (2 points)");
  });
});

describe("perApp", () => {
  it("is (t(N) - t(1)) / (N - 1)", () => {
    expect(perApp(700, 1700, 201)).toBe(5);
  });

  it.each([1, 0, 2.5])("rejects N = %d", (n) => {
    expect(() => perApp(1, 2, n)).toThrow(`per-app cost needs N > 1, got ${n}`);
  });
});

describe("ratio", () => {
  it("divides", () => {
    expect(ratio(15, 10)).toBe(1.5);
  });

  it.each([0, -1])("rejects a baseline of %d", (b) => {
    expect(() => ratio(1, b)).toThrow(`ratio against ${b}: the baseline must be greater than 0`);
  });
});

describe("surgePods", () => {
  it.each([
    [1, 30, 1],
    [3, 10, 3],
    ["25%", 10, 3],
    ["25%", 4, 1],
    ["100%", 7, 7],
  ] as const)("maxSurge %j of %d replicas adds %d pods", (surge, replicas, expected) => {
    expect(surgePods(surge, replicas)).toBe(expected);
  });

  it("rejects what is neither a count nor a percentage", () => {
    expect(() => surgePods("two", 3)).toThrow('maxSurge "two" is not a count or a percentage');
  });
});

describe("rolloutFloorSeconds", () => {
  it.each([
    // replicas, maxSurge, delay ms, minReadySeconds, floor
    [3, 1, 1000, 2, 9],
    [10, 1, 1000, 2, 30],
    [30, 1, 1000, 5, 180],
    [10, 3, 1000, 2, 12],
    [10, "50%", 500, 0, 1],
  ] as const)(
    "R=%d, maxSurge %j, ready delay %d ms, minReadySeconds %d: %d s",
    (replicas, maxSurge, podReadyDelayMs, minReadySeconds, floor) => {
      expect(rolloutFloorSeconds({ replicas, maxSurge, podReadyDelayMs, minReadySeconds })).toBe(
        floor,
      );
    },
  );

  it("rejects a maxSurge that adds no pod", () => {
    expect(() =>
      rolloutFloorSeconds({ replicas: 3, maxSurge: 0, podReadyDelayMs: 1000, minReadySeconds: 1 }),
    ).toThrow("maxSurge 0 adds no pod: a rollout never ends");
  });
});
