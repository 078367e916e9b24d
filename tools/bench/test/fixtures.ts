import type { BenchResults } from "../src/results";
import { summarize } from "../src/stats";

/** A complete, made-up result set for rendering tests (the numbers mean nothing). */
export function sampleResults(): BenchResults {
  return {
    schemaVersion: 1,
    startedAt: "2026-01-02T03:04:05.000Z",
    finishedAt: "2026-01-02T04:05:06.000Z",
    machine: {
      cpuModel: "Test CPU",
      cores: 2,
      memoryGiB: 8,
      os: "Linux x64",
      kernel: "6.1.0",
      loadAverage: { start: 0.2, sections: { program: 0.2, deploy: 0.9 }, end: 0.4 },
      versions: { node: "20.0.0", pulumi: "3.248.0" },
      commit: "0123456789abcdef",
      dirty: false,
    },
    settings: {
      runs: 3,
      quick: false,
      only: ["program", "deploy", "rollout", "tests"],
      full: false,
      programN: [1, 10],
      deployN: [1, 50],
      replicas: [3, 10],
      minReadySeconds: 2,
    },
    program: {
      rows: [
        {
          variant: "js",
          n: 1,
          resources: 6,
          totalMs: summarize([700, 710, 690]),
          bootMs: summarize([600, 610, 590]),
        },
        {
          variant: "js",
          n: 10,
          resources: 51,
          totalMs: summarize([740, 750, 760]),
          bootMs: summarize([600, 600, 600]),
        },
        {
          variant: "ts-node",
          n: 1,
          resources: 6,
          totalMs: summarize([3000, 3100, 2900]),
          bootMs: summarize([650, 650, 650]),
        },
        {
          variant: "ts-node",
          n: 10,
          resources: 51,
          totalMs: summarize([3050, 3150, 2950]),
          bootMs: summarize([650, 650, 650]),
        },
      ],
      perApp: [
        { variant: "js", fit: { slope: 4.44, intercept: 695, r2: 1 }, endpointsMs: 4.44 },
        { variant: "ts-node", fit: { slope: 5.56, intercept: 2994, r2: 1 }, endpointsMs: 5.56 },
      ],
      targetMsPerApp: 5,
    },
    deploy: {
      rows: [
        {
          n: 1,
          replicas: 2,
          pulumi: { preview: summarize([3]), up: summarize([6]), update: summarize([9]) },
          kubectl: { create: summarize([3]), update: summarize([6]) },
          ratio: { create: 2, update: 1.5 },
          parallel: { create: 8, update: 8 },
          fewestReady: { pulumi: 2, kubectl: 2 },
          peakRssMiB: { pulumi: 80, provider: 60, languageHost: 20, program: 90 },
        },
        {
          n: 50,
          replicas: 2,
          pulumi: { preview: summarize([5]), up: summarize([24]), update: summarize([30]) },
          kubectl: { create: summarize([20]), update: summarize([25]) },
          ratio: { create: 1.2, update: 1.2 },
          parallel: { create: 252, update: 252 },
          fewestReady: { pulumi: 2, kubectl: 2 },
          peakRssMiB: { pulumi: 150, provider: 110, languageHost: 21, program: 120 },
        },
      ],
      minReadySeconds: 2,
      pulumiEnv: {},
      tuning: {
        parallel: "steady-deploy's default: one per resource, at least 4 × CPUs",
        client: "provider client QPS 500, burst 1000 (steady-deploy's defaults)",
      },
      targetRatio: 1.5,
      targetN: 50,
    },
    rollout: {
      rows: [
        {
          replicas: 3,
          maxSurge: 1,
          floorSeconds: 9,
          duration: summarize([10, 10.5, 9.8]),
          ratio: 10 / 9,
          fewestReady: 3,
        },
        {
          replicas: 10,
          maxSurge: 1,
          floorSeconds: 30,
          duration: summarize([40, 41, 39]),
          ratio: 40 / 30,
          fewestReady: 10,
        },
      ],
      podReadyDelayMs: 1000,
      minReadySeconds: 2,
      targetRatio: 1.2,
    },
    tests: {
      cold: { ...summarize([100, 110, 105]), failedRuns: 0 },
      warm: { ...summarize([6, 7, 6.5]), failedRuns: 0 },
      targetWarmSeconds: 10,
    },
    notes: ["A note."],
  };
}
