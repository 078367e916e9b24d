import { fmtMs, fmtRatio, fmtRuns, fmtS, mdTable, renderMarkdown } from "../src/markdown";
import { summarize } from "../src/stats";
import { sampleResults } from "./fixtures";

describe("formatting", () => {
  it.each([
    [712.4, "712 ms"],
    [9999, "9999 ms"],
    [12345, "12.3 s"],
  ])("shows %d ms as %s", (ms, shown) => {
    expect(fmtMs(ms)).toBe(shown);
  });

  it("shows seconds and ratios with fixed decimals", () => {
    expect(fmtS(3.04)).toBe("3.0 s");
    expect(fmtRatio(1.234)).toBe("1.23×");
  });

  it("shows the median alone for one run and with the range for several", () => {
    expect(fmtRuns(summarize([5]), fmtS)).toBe("5.0 s");
    expect(fmtRuns(summarize([5, 4, 9]), fmtS)).toBe("5.0 s (4.0 s–9.0 s)");
  });
});

describe("mdTable", () => {
  it("renders a header, an alignment row and one line per row, escaping pipes", () => {
    expect(
      mdTable(
        ["what", "time"],
        [
          ["a|b", "1 s"],
          ["c", "2 s"],
        ],
      ),
    ).toBe(["| what | time |", "| --- | ---: |", "| a\\|b | 1 s |", "| c | 2 s |"].join("\n"));
  });

  it("rejects a row with the wrong number of cells", () => {
    expect(() => mdTable(["a", "b"], [["1"]])).toThrow("a row has 1 cells, the table 2 columns");
  });
});

describe("renderMarkdown", () => {
  const md = renderMarkdown(sampleResults());

  it("names the machine, the runs and the versions", () => {
    expect(md).toContain("on Test CPU, 2 cores, 8 GiB,");
    expect(md).toContain(
      "1-minute load average 0.2 at start (when each section started: program 0.2, deploy 0.9), 0.4 at end",
    );
    expect(md).toContain("commit 0123456789ab.");
    expect(md).toContain("Medians of 3 run(s)");
    expect(md).toContain("Versions: node 20.0.0, pulumi 3.248.0.");
  });

  it("has one program row per variant with the per-app cost and the verdict", () => {
    expect(md).toContain(
      "| precompiled JavaScript | 700 ms (690 ms–710 ms) | 750 ms (740 ms–760 ms) | 600 ms | 4.44 ms | 4.44 ms | met |",
    );
    expect(md).toContain("| ts-node (type-checks) | 3000 ms (2900 ms–3100 ms) |");
  });

  it("says which --parallel pulumi ran with, and the tuning taken from the environment", () => {
    expect(md).toContain(
      "file backend, steady-deploy's default: one per resource, at least 4 × CPUs; provider client QPS 500, burst 1000 (steady-deploy's defaults).",
    );
    expect(md).toContain("| 50 | 150 MiB | 110 MiB | 21 MiB | 120 MiB |");
    expect(md).not.toContain("Set in the environment");
    const r = sampleResults();
    const out = renderMarkdown({
      ...r,
      deploy: { ...r.deploy!, pulumiEnv: { PULUMI_K8S_CLIENT_QPS: "500" } },
    });
    expect(out).toContain("Set in the environment: PULUMI_K8S_CLIENT_QPS=500.");
  });

  it("has one deploy row per N with both ratios, and the target's verdict", () => {
    expect(md).toContain(
      "| 50 (100 pods) | 5.0 s | 24.0 s | 20.0 s | 1.20× | 30.0 s | 25.0 s | 1.20× |",
    );
    expect(md).toContain(
      "Target: pulumi up of 50 apps within 1.5× of kubectl: create 1.20× (met), new version 1.20× (met).",
    );
  });

  it("has one rollout row per replica count against its floor", () => {
    expect(md).toContain("| 3 | 1 | 9.0 s | 10.0 s (9.8 s–10.5 s) | 1.11× | 3 / 3 | met |");
    expect(md).toContain(
      "| 10 | 1 | 30.0 s | 40.0 s (39.0 s–41.0 s) | 1.33× | 10 / 10 | **missed** |",
    );
    expect(md).toContain("(pod ready delay 1000 ms from kwok/stages.yaml + minReadySeconds 2)");
  });

  it("has the test suite rows and the notes", () => {
    expect(md).toContain(
      "| unit tier, warm (turbo cache) | 6.5 s (6.0 s–7.0 s) | 3 | < 10 s: met |",
    );
    expect(md).toContain(
      "| unit tier, cold (`TURBO_FORCE=true`) | 105.0 s (100.0 s–110.0 s) | 3 |  |",
    );
    expect(md).toContain("## Notes\n\n- A note.");
  });

  it("leaves out sections that did not run", () => {
    const r = sampleResults();
    delete r.deploy;
    delete r.tests;
    const out = renderMarkdown(r);
    expect(out).not.toContain("## 2. Deploy");
    expect(out).not.toContain("## 4. Test suite");
    expect(out).toContain("## 3. Rollout duration");
  });
});
