import { recoveryReport, renderRecoverySvg, renderTimelineSvg, type RolloutReport } from "../src";

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
