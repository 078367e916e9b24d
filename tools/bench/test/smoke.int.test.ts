/**
 * The bench's smoke test, so its code cannot rot: the program cost of one and two apps, a
 * one-app deploy with pulumi and with kubectl, and a small rollout, each run once on a local
 * cluster started here (in <repo>/.steady/bench-it), then the three result files. Needs the
 * toolchain (`npm run toolchain`); without it this FAILS with the missing-binary message.
 */
import { repoRoot } from "@steady/deployer";
import { stopCluster } from "@steady/local-cluster";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  BENCH_LABEL,
  closeCluster,
  ensureNodes,
  openCluster,
  podReadyDelayMs,
  type BenchCluster,
} from "../src/cluster";
import { writeResults } from "../src/cli";
import { benchTuning, measureDeploy } from "../src/deploy";
import { describeMachine } from "../src/machine";
import { measureProgramCost } from "../src/program-cost";
import type { BenchResults } from "../src/results";
import { measureRollout } from "../src/rollout";

const dir = process.env.STEADY_BENCH_IT_DIR ?? join(repoRoot(), ".steady", "bench-it");
const clusterDir = join(dir, "cluster");
const log = (line: string) => process.stderr.write(`[bench smoke] ${line}\n`);

describe("steady-bench, once, on a local cluster", () => {
  let cluster: BenchCluster;
  const results: BenchResults = {
    schemaVersion: 1,
    startedAt: new Date().toISOString(),
    machine: describeMachine(repoRoot(), process.env.PATH ?? ""),
    settings: {
      runs: 1,
      quick: true,
      only: ["program", "deploy", "rollout"],
      full: false,
      programN: [1, 2],
      deployN: [1],
      replicas: [2],
      minReadySeconds: 1,
    },
    notes: [],
  };

  beforeAll(async () => {
    process.env.STEADY_STATE_DIR = dir;
    // The tier always runs on its own cluster: never on whatever KUBECONFIG names.
    delete process.env.KUBECONFIG;
    await stopCluster({ dir: clusterDir, purge: true }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    cluster = await openCluster(clusterDir, log);
    await ensureNodes(cluster.client, 20);
  });

  afterAll(async () => {
    if (cluster) await closeCluster(cluster, false, log);
  });

  it("measures the program cost from process start to the last resource registered", async () => {
    const r = await measureProgramCost({ ns: [1, 2], runs: 1, variants: ["js"], log });
    results.program = r;
    const [one, two] = r.rows;
    // Per app: component, ConfigMap, Deployment, Service, PDB; plus the provider.
    expect(one).toMatchObject({ variant: "js", n: 1, resources: 6 });
    expect(two).toMatchObject({ variant: "js", n: 2, resources: 11 });
    expect(one!.totalMs.median).toBeGreaterThan(one!.bootMs.median);
    expect(r.perApp[0]!.endpointsMs).toBe(two!.totalMs.median - one!.totalMs.median);
  });

  it("deploys one app with pulumi (preview, up, new version) and with kubectl, and cleans up", async () => {
    const r = await measureDeploy(cluster, {
      out: dir,
      ns: [1],
      runs: 1,
      minReadySeconds: 1,
      log,
    });
    results.deploy = r;
    const row = r.rows[0]!;
    for (const t of [
      row.pulumi.preview,
      row.pulumi.up,
      row.pulumi.update,
      row.kubectl.create,
      row.kubectl.update,
    ]) {
      expect(t.median).toBeGreaterThan(0);
    }
    // A rollout of 2 replicas, one at a time, cannot beat 2 x (ready delay + minReadySeconds).
    const floor = 2 * (podReadyDelayMs() / 1000 + 1);
    expect(row.kubectl.update.median).toBeGreaterThan(0.9 * floor);
    expect(row.pulumi.update.median).toBeGreaterThan(0.9 * floor);
    // steady-deploy's defaults, and zero downtime in both tools (the section throws below it).
    const slots = benchTuning(undefined, 7).parallel; // 7 resources: 4 x CPUs or more
    expect(row.parallel).toEqual({ create: slots, update: slots });
    expect(row.fewestReady).toEqual({ pulumi: 2, kubectl: 2 });
    for (const mib of Object.values(row.peakRssMiB)) expect(mib).toBeGreaterThan(0);
    const left = await cluster.client.list(
      `/api/v1/namespaces?labelSelector=${BENCH_LABEL}%3Dtrue`,
    );
    expect(left.items.map((n) => n.metadata?.name)).toEqual([]);
  });

  it("times a rollout against its floor and never drops below the desired ready count", async () => {
    const r = await measureRollout(cluster, {
      out: dir,
      replicas: [2],
      runs: 1,
      minReadySeconds: 1,
      podReadyDelayMs: podReadyDelayMs(),
      log,
    });
    results.rollout = r;
    const row = r.rows[0]!;
    expect(row.duration.median).toBeGreaterThanOrEqual(row.floorSeconds * 0.9);
    expect(row.fewestReady).toBe(2);
  });

  it("writes results.json, results.md and chart.svg", () => {
    results.finishedAt = new Date().toISOString();
    writeResults(dir, results, []);
    const json = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as BenchResults;
    expect(json.deploy?.rows[0]?.n).toBe(1);
    expect(readFileSync(join(dir, "results.md"), "utf8")).toContain(
      "## 2. Deploy: pulumi against kubectl",
    );
    expect(existsSync(join(dir, "chart.svg"))).toBe(true);
  });
});
