import { niceTicks, renderChartSvg } from "../src/chart";
import { sampleResults } from "./fixtures";

describe("niceTicks", () => {
  it.each([
    [24, [0, 5, 10, 15, 20, 25]],
    [30, [0, 10, 20, 30]],
    [0.7, [0, 0.2, 0.4, 0.6, 0.8]],
    [0, [0, 1]],
  ])("covers %d with round steps", (max, ticks) => {
    expect(niceTicks(max)).toEqual(ticks);
  });
});

describe("renderChartSvg", () => {
  const svg = renderChartSvg(sampleResults().deploy);

  it("names the --parallel pulumi ran with", () => {
    expect(svg).toContain(
      "against the number of apps, pulumi steady-deploy's default: one per resource, at least 4 × CPUs</text>",
    );
  });

  it("is one SVG document with a title", () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain(
      "<title>Deploy time against the number of apps: pulumi up and kubectl</title>",
    );
  });

  it("draws pulumi and kubectl, create and new version, one point per N", () => {
    for (const label of [
      "pulumi up (create)",
      "kubectl (create)",
      "pulumi up (new version)",
      "kubectl (new version)",
    ]) {
      expect(svg).toContain(`<title>${label}</title></polyline>`);
    }
    expect(svg.match(/<circle /g)).toHaveLength(8);
    expect(svg).toContain("<title>pulumi up (create), 50 apps: 24.0 s</title>");
  });

  it("places the largest N at the right edge and the largest time at the top tick", () => {
    // 50 apps: x = 640 - 20; 30 s on ticks 0..30: y = top padding 52.
    expect(svg).toContain(
      '<circle cx="620.0" cy="52.0" r="3" fill="#1f77b4"><title>pulumi up (new version), 50 apps: 30.0 s</title>',
    );
  });

  it("says so when there is nothing to draw", () => {
    expect(renderChartSvg(undefined)).toContain("no deploy measurements in this run");
  });
});
