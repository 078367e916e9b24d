import { repoRoot, useTierDirs } from "@steady/deployer";
import { join } from "node:path";

/**
 * The tier's two jest runs, each with a state directory of its own: `main` (jest.config.js) in
 * `<repo>/.steady/it-real` (or STEADY_REAL_IT_DIR), the node-loss drill
 * (jest.node-loss.config.js) beside it in `it-real-2`. Each run's setup empties its directory,
 * and `npm run test:integration` runs the drill right after the main run: in one directory the
 * drill deleted the reports the main run had just written (real-node.json,
 * real-node-canary.json, the rollout reports).
 */
export type Tier = "main" | "node-loss";

const TIER_KEY = "STEADY_REAL_IT_TIER";

/**
 * Names the run this process belongs to; set by the global setup, so the tests and the global
 * teardown (which inherit the environment) use the same directory.
 */
export function useTier(tier: Tier): void {
  process.env[TIER_KEY] = tier;
}

/**
 * Everything a run of this tier creates lives in its directory (see {@link Tier}): its cluster,
 * with the real nodes' containerd state, its Pulumi backend and its reports, apart from the
 * other tiers' clusters and from the other run's.
 */
export function itDir(): string {
  const main = process.env.STEADY_REAL_IT_DIR ?? join(repoRoot(), ".steady", "it-real");
  return process.env[TIER_KEY] === "node-loss" ? `${main}-2` : main;
}

/** Points the deployer and the local cluster at this run's directories. */
export function useItDirs(): { clusterDir: string } {
  return useTierDirs(itDir());
}

/** What globalSetup hands the tests, through the environment. */
export interface RealNodeRun {
  readonly kubeconfig: string;
  readonly containerdSocket: string;
  readonly nodeName: string;
  readonly image: string;
  /** Every real node, node 1 first: its name, containerd socket and process ids. */
  readonly nodes: readonly {
    readonly name: string;
    readonly containerdSocket: string;
    readonly kubeletPid: number;
    readonly containerdPid: number;
  }[];
}

const KEY = "STEADY_REAL_IT_RUN";

export function saveRun(run: RealNodeRun): void {
  process.env[KEY] = JSON.stringify(run);
}

export function loadRun(): RealNodeRun {
  const raw = process.env[KEY];
  if (!raw) throw new Error(`${KEY} is not set: the real-node tier's globalSetup did not run`);
  return JSON.parse(raw) as RealNodeRun;
}
