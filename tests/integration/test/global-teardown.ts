import { stopCluster } from "@steady/local-cluster";
import { useItDirs } from "./env";

/** Stops the run's cluster and removes its data; STEADY_KEEP_CLUSTER=1 keeps it for debugging. */
export default async function globalTeardown(): Promise<void> {
  const { clusterDir } = useItDirs();
  if (process.env.STEADY_KEEP_CLUSTER === "1") return;
  await stopCluster({ dir: clusterDir, purge: true });
}
