import { join } from "node:path";
import { repoRoot } from "@steady/deployer";

/**
 * Everything the integration tier creates lives in `<repo>/.steady/it`: its own cluster data
 * directory and its own Pulumi file backend, so it never touches the demo's cluster or stacks.
 */
export function itDir(): string {
  // STEADY_IT_DIR lets two runs (say, one file while the whole tier runs) keep out of each other's way.
  return process.env.STEADY_IT_DIR ?? join(repoRoot(), ".steady", "it");
}

/** Points the deployer and the local cluster at the integration tier's directories. */
export function useItDirs(): { clusterDir: string } {
  process.env.STEADY_STATE_DIR = itDir();
  const clusterDir = join(itDir(), "cluster");
  process.env.STEADY_CLUSTER_DIR = clusterDir;
  // The tier always runs on the local cluster: never deploy tests to whatever KUBECONFIG names.
  delete process.env.KUBECONFIG;
  return { clusterDir };
}
