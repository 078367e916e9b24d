import { rmSync } from "node:fs";
import { startCluster, stopCluster } from "@steady/local-cluster";
import { itDir, useItDirs } from "./env";

/** Starts a fresh local cluster for the run (a previous run's leftovers are stopped and removed first). */
export default async function globalSetup(): Promise<void> {
  const { clusterDir } = useItDirs();
  await stopCluster({ dir: clusterDir, purge: true }).catch(() => undefined);
  rmSync(itDir(), { recursive: true, force: true });
  const info = await startCluster({
    dir: clusterDir,
    log: (l) => process.stderr.write(`[cluster] ${l}\n`),
  });
  process.stderr.write(
    `[cluster] ready in ${(info.elapsedMs / 1000).toFixed(1)} s: ${info.apiServerUrl}\n`,
  );
  process.env.STEADY_IT_KUBECONFIG = info.kubeconfigPath;
}
