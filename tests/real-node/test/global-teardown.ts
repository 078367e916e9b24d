import { stopCluster } from "@steady/local-cluster";
import { useItDirs } from "./env";

/**
 * Stops the cluster and its real node and removes what they made (processes, containers,
 * iptables chains, interfaces, mounts, data); STEADY_KEEP_CLUSTER=1 keeps it for debugging.
 * Anything that could not be removed fails the run.
 */
export default async function globalTeardown(): Promise<void> {
  const { clusterDir } = useItDirs();
  if (process.env.STEADY_KEEP_CLUSTER === "1") return;
  const r = await stopCluster({ dir: clusterDir, purge: true });
  if (r.realNodeLeftovers && r.realNodeLeftovers.length > 0) {
    throw new Error(`the real node left things behind:\n  ${r.realNodeLeftovers.join("\n  ")}`);
  }
}
