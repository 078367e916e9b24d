import {
  CANARY_ANALYSIS_DEFAULTS,
  analyzeCanary,
  failsEarly,
  histogramQuantile,
  parseCanaryAnalysisConfig,
  summarizeTrack,
  type PodScrape,
} from "../src/canary-analysis";
import { parsePromText } from "../src/prom-text";

const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * One pod's /metrics as apps/hello (prom-client) writes it: `ok` 2xx and `failed` 5xx requests
 * on /, all of them taking `seconds`.
 */
function pod(
  name: string,
  version: string,
  ok: number,
  failed: number,
  seconds = 0.003,
): PodScrape {
  const n = ok + failed;
  const lines = [
    "# TYPE hello_http_requests_total counter",
    `hello_http_requests_total{route="hello",status_class="2xx",version="${version}"} ${ok}`,
    `hello_http_requests_total{route="hello",status_class="5xx",version="${version}"} ${failed}`,
    "# TYPE hello_http_request_duration_seconds histogram",
    ...[...BOUNDS, "+Inf"].map(
      (le) =>
        `hello_http_request_duration_seconds_bucket{le="${le}",version="${version}",route="hello"} ${
          le === "+Inf" || seconds <= (le as number) ? n : 0
        }`,
    ),
    `hello_http_request_duration_seconds_count{version="${version}",route="hello"} ${n}`,
  ];
  return { pod: name, samples: parsePromText(lines.join("\n")) };
}

describe("histogramQuantile", () => {
  it.each<[number, [number, number][], number | undefined]>([
    [
      0.99,
      [
        [0.1, 0],
        [0.2, 100],
        [Infinity, 100],
      ],
      0.199,
    ],
    [
      0.5,
      [
        [0.1, 50],
        [0.2, 100],
        [Infinity, 100],
      ],
      0.1,
    ],
    [
      0.99,
      [
        [0.1, 100],
        [Infinity, 100],
      ],
      0.099,
    ],
    [
      0.99,
      [
        [0.1, 0],
        [1, 0],
        [Infinity, 10],
      ],
      1,
    ],
    [
      0.99,
      [
        [0.1, 0],
        [Infinity, 0],
      ],
      undefined,
    ],
  ])("q=%d over %j is %d", (q, buckets, expected) => {
    const got = histogramQuantile(q, buckets);
    if (expected === undefined) expect(got).toBeUndefined();
    else expect(got).toBeCloseTo(expected, 9);
  });
});

describe("summarizeTrack", () => {
  it("sums the increase over pods, counts new pods from zero and a restarted pod from its reset", () => {
    const s = summarizeTrack(
      {
        before: [pod("a", "v1", 100, 0), pod("b", "v1", 50, 5)],
        after: [pod("a", "v1", 130, 0), pod("b", "v1", 10, 1), pod("c", "v1", 20, 0)],
      },
      CANARY_ANALYSIS_DEFAULTS,
    );
    expect(s).toEqual({
      pods: 3,
      requests: 30 + 11 + 20,
      failures: 1,
      errorRate: 1 / 61,
      p99Seconds: expect.closeTo(0.005 - 0.0025 * 0.01, 9),
      resetPods: ["b"],
    });
  });
});

describe("analyzeCanary", () => {
  const stable = {
    before: [pod("s1", "v1", 1000, 0), pod("s2", "v1", 1000, 0)],
    after: [pod("s1", "v1", 1100, 0), pod("s2", "v1", 1100, 0)],
  };

  it("passes a canary that serves like the stable pods", () => {
    const v = analyzeCanary(
      { before: [pod("c1", "v2", 0, 0)], after: [pod("c1", "v2", 50, 0)] },
      stable,
    );
    expect(v.verdict).toBe("pass");
    expect(v.reasons).toEqual([]);
    expect(v.checks.map((c) => `${c.name}:${c.ok}`)).toEqual([
      "minRequests:true",
      "maxErrorRate:true",
      "maxErrorRateIncrease:true",
      "maxP99Seconds:true",
      "maxP99Ratio:true",
    ]);
  });

  it("fails a canary that answers one request in five with 500, saying by how much", () => {
    const v = analyzeCanary(
      { before: [pod("c1", "v2", 0, 0)], after: [pod("c1", "v2", 40, 10)] },
      stable,
    );
    expect(v.verdict).toBe("fail");
    expect(v.canary.errorRate).toBe(0.2);
    expect(v.reasons).toEqual([
      "maxErrorRate: canary error rate 20.0 % (10 of 50); at most 1.0 % allowed",
      "maxErrorRateIncrease: canary error rate 20.0 % against stable 0.0 %; at most 0.5 % more allowed",
    ]);
  });

  it("fails a canary whose p99 is more than twice the stable one, or above the limit", () => {
    const slow = analyzeCanary(
      { before: [pod("c1", "v2", 0, 0)], after: [pod("c1", "v2", 50, 0, 0.02)] },
      stable,
    );
    expect(slow.verdict).toBe("fail");
    expect(slow.reasons).toEqual([
      "maxP99Ratio: canary p99 24.9 ms against stable 5.0 ms; at most 2x allowed",
    ]);
    const slower = analyzeCanary(
      { before: [pod("c1", "v2", 0, 0)], after: [pod("c1", "v2", 50, 0, 2)] },
      stable,
    );
    expect(slower.reasons[0]).toBe(
      "maxP99Seconds: canary p99 2485.0 ms; at most 1000.0 ms allowed",
    );
  });

  it("fails, not passes, when too little traffic reached the canary to judge it", () => {
    const v = analyzeCanary(
      { before: [pod("c1", "v2", 0, 0)], after: [pod("c1", "v2", 5, 0)] },
      stable,
    );
    expect(v.verdict).toBe("fail");
    expect(v.reasons).toEqual([
      "minRequests: the canary served 5 requests; a verdict needs at least 20 (send traffic or wait longer)",
    ]);
  });

  it("fails a canary with no pods at all", () => {
    expect(analyzeCanary({ before: [], after: [] }, stable).verdict).toBe("fail");
  });
});

describe("failsEarly", () => {
  const stable = {
    before: [pod("s1", "v1", 1000, 0)],
    after: [pod("s1", "v1", 1100, 0)],
  };
  const judge = (ok: number, failed: number, seconds = 0.001) =>
    analyzeCanary(
      { before: [pod("c1", "v2", 0, 0)], after: [pod("c1", "v2", ok, failed, seconds)] },
      stable,
    );

  it("ends the window at a fail on errors over enough requests", () => {
    expect(failsEarly(judge(40, 10))).toBe(true);
  });

  it("waits for the window on too few requests, on latency alone, and on a pass", () => {
    // 2 of 5 failed: 40 %, but 5 requests are too few to judge.
    expect(failsEarly(judge(3, 2))).toBe(false);
    // Slow but not failing: p99 is judged over the whole window only.
    const slow = judge(50, 0, 2);
    expect(slow.verdict).toBe("fail");
    expect(failsEarly(slow)).toBe(false);
    expect(failsEarly(judge(50, 0))).toBe(false);
  });
});

describe("parseCanaryAnalysisConfig", () => {
  it("gives the defaults for no config and overrides only what is set", () => {
    expect(parseCanaryAnalysisConfig(undefined)).toBe(CANARY_ANALYSIS_DEFAULTS);
    expect(parseCanaryAnalysisConfig({ maxErrorRate: 0.05, minRequests: 100 })).toEqual({
      ...CANARY_ANALYSIS_DEFAULTS,
      maxErrorRate: 0.05,
      minRequests: 100,
    });
  });

  it("reports every bad key at once, naming it and the valid values", () => {
    expect(() =>
      parseCanaryAnalysisConfig(
        { maxErrorRate: 2, minRequests: 1.5, failureClasses: [], maxP99: 1, requestsMetric: "a b" },
        "steady:canaryAnalysis",
      ),
    ).toThrow(
      [
        "steady:canaryAnalysis is not valid:",
        "  - maxErrorRate: 2 is not valid: expected a number from 0 to 1",
        "  - minRequests: 1.5 is not valid: expected an integer from 1 to 1000000",
        '  - failureClasses: [] is not valid: expected a non-empty list like ["5xx"]',
        "  - maxP99: unknown; expected one of requestsMetric, statusClassLabel, failureClasses, durationMetric, minRequests, maxErrorRate, maxErrorRateIncrease, maxP99Seconds, maxP99Ratio",
        '  - requestsMetric: "a b" is not valid: expected a Prometheus metric or label name',
      ].join("\n"),
    );
  });

  it("refuses a config that is not an object", () => {
    expect(() => parseCanaryAnalysisConfig([1])).toThrow(
      "canary analysis config: expected an object of thresholds, got [1]",
    );
  });
});
