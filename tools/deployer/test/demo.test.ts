import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { demoSteps, latestRolloutReport, stateOlderThanCluster } from "../src/demo";

describe("the demo's deploys", () => {
  it("deploys the platform, then v1 of the app, then rolls out v2 over it, in that order", () => {
    expect(demoSteps("staging")).toEqual([
      { title: "steady-platform/staging", project: "platform", config: {} },
      {
        title: "steady-app/staging (v1)",
        project: "app",
        config: { version: "v1", image: "steady/hello:1.0.0" },
      },
      {
        title: "steady-app/staging rolls out v2",
        project: "app",
        config: { version: "v2", image: "steady/hello:2.0.0" },
      },
    ]);
  });
});

describe("a stack's state against a new cluster", () => {
  const created = new Date("2026-12-02T08:00:00Z");
  it.each([
    [
      "changed before the cluster was created (down --purge, then up)",
      "2026-12-02T07:59:59Z",
      true,
    ],
    ["changed after the cluster was created", "2026-12-02T08:00:01Z", false],
    ["changed at the moment the cluster was created", "2026-12-02T08:00:00Z", false],
    ["never changed (a new stack)", undefined, false],
  ])("is refreshed first when %s", (_, lastChange, refresh) => {
    expect(stateOlderThanCluster(lastChange, created)).toBe(refresh);
  });
});

describe("the v2 rollout's report, read back for the demo's last words", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "demo-reports-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a report of `deployment` whose file was last written at `at` (epoch s). */
  function report(deployment: string, finished: string, at: number, minReady = 1): string {
    const json = join(dir, `rollout-${deployment}-${finished}.json`);
    writeFileSync(json, JSON.stringify({ deployment, minReady, desired: 1 }));
    utimesSync(json, at, at);
    return json;
  }

  it("is the newest report of the app's Deployment written since the rollout began", () => {
    report("hello-ae14", "a", 1000);
    const newest = report("hello-ae14", "b", 3000, 0);
    report("hello-ae14", "c", 2000);
    report("hello-ae14-other", "d", 4000);
    const found = latestRolloutReport(dir, "hello-ae14", 1500 * 1000);
    expect(found).toEqual({
      report: { deployment: "hello-ae14", minReady: 0, desired: 1 },
      json: newest,
      svg: newest.replace(/\.json$/, ".svg"),
    });
  });

  it("is none when every report is older than the rollout, or there is no reports directory", () => {
    report("hello-ae14", "a", 1000);
    expect(latestRolloutReport(dir, "hello-ae14", 1001 * 1000)).toBeUndefined();
    expect(latestRolloutReport(join(dir, "missing"), "hello-ae14", 0)).toBeUndefined();
  });
});
