import { startCluster, stopCluster } from "@steady/local-cluster";
import type { Timed } from "./steps";

/** The local cluster a consumer test deploys to: see {@link consumerCluster}. */
export interface ConsumerCluster {
  /** Starts it fresh and resolves to its kubeconfig path; timed as "cluster start". */
  start(): Promise<string>;
  /** Stops it and removes its state, unless STEADY_KEEP_CLUSTER=1; nothing when never started. */
  stop(): Promise<void>;
}

/**
 * A local cluster of its own for a consumer test, with its state in `dir`. It starts fresh: a
 * cluster an earlier, killed run left in `dir` is stopped and purged first, so a run never
 * deploys onto leftovers. STEADY_KEEP_CLUSTER=1 keeps it running after the test, to look at.
 */
export function consumerCluster(dir: string, timed: Timed): ConsumerCluster {
  let started = false;
  return {
    async start() {
      await stopCluster({ dir, purge: true }).catch(() => undefined);
      started = true;
      const info = await timed("cluster start", () => startCluster({ dir }));
      return info.kubeconfigPath;
    },
    async stop() {
      if (!started || process.env.STEADY_KEEP_CLUSTER === "1") return;
      await stopCluster({ dir, purge: true });
    },
  };
}
