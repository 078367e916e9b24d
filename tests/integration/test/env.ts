import { join } from "node:path";
import { repoRoot, useTierDirs } from "@steady/deployer";

/**
 * Everything the integration tier creates lives in `<repo>/.steady/it`: its own cluster data
 * directory and its own Pulumi file backend, so it never touches the demo's cluster or stacks.
 */
export function itDir(): string {
  // STEADY_IT_DIR lets two runs (say, one file while the whole tier runs) keep out of each other's way.
  return process.env.STEADY_IT_DIR ?? join(repoRoot(), ".steady", "it");
}

/** Points the deployer and the local cluster at this tier's directories. */
export function useItDirs(): { clusterDir: string } {
  return useTierDirs(itDir());
}
