import { repoRoot, useTierDirs } from "@steady/deployer";
import { join } from "node:path";

/**
 * Everything this tier creates lives in `<repo>/.steady/it-real` (or STEADY_REAL_IT_DIR): its
 * cluster, with the real node's containerd state, and its Pulumi backend, apart from the other
 * tiers' clusters.
 */
export function itDir(): string {
  return process.env.STEADY_REAL_IT_DIR ?? join(repoRoot(), ".steady", "it-real");
}

/** Points the deployer and the local cluster at this tier's directories. */
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
