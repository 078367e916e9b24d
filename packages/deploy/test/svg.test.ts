import {
  CANARY_ANALYSIS_DEFAULTS,
  analyzeCanary,
  parsePromText,
  recoveryReport,
  renderCanarySvg,
  renderRecoverySvg,
  renderTimelineSvg,
  type CanaryRolloutReport,
  type CanaryStepRecord,
  type PodScrape,
  type RolloutReport,
} from "../src";

const report: RolloutReport = {
  namespace: "apps",
  deployment: "web-1",
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:00:04.000Z",
  durationSeconds: 4,
  desired: 2,
  oldReplicaSets: ["web-1-aaa"],
  newReplicaSet: "web-1-bbb",
  minReady: 2,
  unavailableSeconds: 0,
  samples: [
    { t: 0, ready: 2, byHash: { aaa: 2 } },
    { t: 1000, ready: 3, byHash: { aaa: 2, bbb: 1 } },
    { t: 2000, ready: 2, byHash: { aaa: 1, bbb: 1 } },
    { t: 3000, ready: 2, byHash: { bbb: 2 } },
  ],
};

describe("renderTimelineSvg", () => {
  const svg = renderTimelineSvg(report);

  it("draws the total and one line per ReplicaSet, marking old and new", () => {
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg).toContain("ReplicaSet …aaa (old)");
    expect(svg).toContain("ReplicaSet …bbb (new)");
    expect(svg).toContain("desired 2");
  });

  it("steps the total line through every sample up to the end of the rollout", () => {
    const total = /<polyline [^>]*points="([^"]+)"><title>ready \(total\)/
      .exec(svg)![1]!
      .split(" ");
    // 4 samples: first point, then a horizontal and a vertical point per change, then the end.
    expect(total).toHaveLength(1 + 2 * 3 + 1);
  });

  it("is well-formed enough for a browser: one root, escaped text", () => {
    const odd = renderTimelineSvg({ ...report, namespace: "a<b&c" });
    expect(odd).toContain("a&lt;b&amp;c");
    expect(odd.trim().startsWith("<svg")).toBe(true);
    expect(odd.trim().endsWith("</svg>")).toBe(true);
  });
});

describe("renderRecoverySvg", () => {
  const r = recoveryReport({
    namespace: "apps",
    deployment: "web",
    lostNode: "node-b",
    desired: 3,
    startedAtMs: Date.parse("2026-01-01T00:00:00.000Z"),
    finishedAtMs: Date.parse("2026-01-01T00:01:30.000Z"),
    moments: [
      { t: 5000, label: "node lost" },
      { t: 55000, label: "NotReady" },
    ],
    samples: [
      { t: 0, ready: 3, byNode: { "node-a": 2, "node-b": 1 } },
      { t: 55000, ready: 2, byNode: { "node-a": 2 } },
      { t: 89000, ready: 3, byNode: { "node-a": 3 } },
    ],
  });
  const svg = renderRecoverySvg(r);

  it("folds the samples like a rollout's: fewest ready and the time below desired", () => {
    expect(r).toMatchObject({ durationSeconds: 90, minReady: 2, unavailableSeconds: 34 });
  });

  it("draws the total and one line per node, marks the lost node and each moment", () => {
    expect(svg.match(/<polyline /g)).toHaveLength(3);
    expect(svg).toContain("node-b (lost)");
    expect(svg).toContain(">NotReady</text>");
    expect(svg.match(/stroke-dasharray="2 2"/g)).toHaveLength(2);
    expect(svg).toContain("desired 3");
  });
});

describe("renderCanarySvg", () => {
  /** A pod's /metrics with `ok` 2xx and `failed` 5xx requests, all fast. */
  const pod = (name: string, ok: number, failed: number): PodScrape => ({
    pod: name,
    samples: parsePromText(
      [
        `hello_http_requests_total{status_class="2xx"} ${ok}`,
        `hello_http_requests_total{status_class="5xx"} ${failed}`,
        `hello_http_request_duration_seconds_bucket{le="0.005"} ${ok + failed}`,
        `hello_http_request_duration_seconds_bucket{le="+Inf"} ${ok + failed}`,
      ].join("\n"),
    ),
  });
  const verdictOf = (failed: number) =>
    analyzeCanary(
      { before: [], after: [pod("c", 100 - failed, failed)] },
      { before: [], after: [pod("s", 500, 0)] },
    );
  const at = (s: number) =>
    new Date(Date.parse("2026-12-02T06:00:00.000Z") + s * 1000).toISOString();
  const step = (name: string, start: number, failed: number): CanaryStepRecord => ({
    name,
    change: { set: {}, remove: [] },
    appliedAt: at(start),
    upFinishedAt: at(start + 10),
    decidedAt: at(start + 25),
    verdict: verdictOf(failed),
  });
  const base = { analysis: CANARY_ANALYSIS_DEFAULTS, windowSeconds: 15 };
  const aborted: CanaryRolloutReport = {
    ...base,
    outcome: "aborted",
    reason: "analysis after step 1 pod failed",
    steps: [step("1 pod", 0, 20)],
    abort: {
      change: { set: {}, remove: [] },
      ok: true,
      startedAt: at(25),
      finishedAt: at(32),
    },
  };
  const promoted: CanaryRolloutReport = {
    ...base,
    outcome: "promoted",
    steps: [step("1 pod", 0, 0), step("25 %", 25, 0), step("50 %", 50, 0)],
    promote: { set: {}, remove: [] },
    promotion: { startedAt: at(75), finishedAt: at(103) },
  };

  it("writes each step's verdict with the failing check's numbers", () => {
    const svg = renderCanarySvg(aborted, "org/app/prod");
    expect(svg).toContain("step 1 pod: up 10.0 s, analysis 15.0 s");
    expect(svg).toContain("fail: canary error rate 20.0 % &gt; 1.0 %");
    expect(svg).toContain("canary error rate 20.0 % &gt; stable 0.0 % + 0.5 %");
    const ok = renderCanarySvg(promoted);
    expect(
      ok.match(/>pass: canary error rate 0\.0 % &lt;= 1\.0 %, canary p99 [^<]+<\/text>/g),
    ).toHaveLength(3);
  });

  it("draws a failed analysis red with a dashed outline, a passed one green without", () => {
    const fail = /<rect class="analysis-fail"[^>]*>/.exec(renderCanarySvg(aborted))![0];
    const pass = /<rect class="analysis-pass"[^>]*>/.exec(renderCanarySvg(promoted))![0];
    expect(fail).toContain('fill="#d62728"');
    expect(fail).toContain("stroke-dasharray");
    expect(pass).toContain('fill="#2ca02c"');
    expect(pass).not.toContain("stroke");
  });

  it("marks the abort's decision and draws its up only when the rollout aborted", () => {
    const svg = renderCanarySvg(aborted);
    expect(svg).toContain(">abort decided at 25.0 s</text>");
    expect(svg.match(/<rect class="abort"/g)).toHaveLength(1);
    expect(svg).toContain("abort: canary to 0 pods, up 7.0 s");
    expect(svg).not.toContain('class="promote"');
    const ok = renderCanarySvg(promoted);
    expect(ok).not.toContain("abort");
    expect(ok.match(/<rect class="promote"/g)).toHaveLength(1);
    expect(ok).toContain(">promoted</text>");
  });

  it("tells a failed up from a failed scrape", () => {
    const failed = (upFinishedAt?: string): CanaryRolloutReport => ({
      ...base,
      outcome: "failed",
      steps: [
        {
          name: "1 pod",
          change: { set: {}, remove: [] },
          appliedAt: at(0),
          ...(upFinishedAt ? { upFinishedAt } : {}),
          error: "cannot scrape pod apps/hello-1",
        },
      ],
    });
    expect(renderCanarySvg(failed(at(9)))).toContain(
      ">analysis failed: cannot scrape pod apps/hello-1</text>",
    );
    expect(renderCanarySvg(failed(at(9)))).toContain('<rect class="up"');
    expect(renderCanarySvg(failed())).toContain(
      ">up failed: cannot scrape pod apps/hello-1</text>",
    );
  });

  it("puts the steps on one time axis from the first step's start", () => {
    const svg = renderCanarySvg(promoted);
    expect(svg).toContain(">103.0 s</text>");
    const xs = [...svg.matchAll(/<rect class="up" x="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs[0]).toBe(44);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(svg.trim().endsWith("</svg>")).toBe(true);
  });
});
