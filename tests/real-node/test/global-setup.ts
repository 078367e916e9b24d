import { buildImage, importImage } from "@steady/image";
import { startCluster, stopCluster } from "@steady/local-cluster";
import { rmSync } from "node:fs";
import { itDir, saveRun, useItDirs, useTier, type Tier } from "./env";

const log = (l: string) => process.stderr.write(`[real-node] ${l}\n`);

/**
 * Starts a fresh cluster with a real node beside the simulated ones, builds the sample app's
 * image (reused when unchanged) and imports it into the node's containerd: nothing is pulled.
 */
export default function globalSetup(): Promise<void> {
  return setUpTier(1, "main");
}

/**
 * The cluster of the run `tier`, in that run's own directory (emptied first), with `realNodes`
 * real nodes (2 for the node-loss drill: each with its own containerd, so the image is imported
 * into each).
 */
export async function setUpTier(realNodes: number, tier: Tier): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      "the real-node tier needs root (containerd, the kubelet and kube-proxy manage cgroups, mounts and iptables): run it as root, as CI does",
    );
  }
  useTier(tier);
  const { clusterDir } = useItDirs();
  await stopCluster({ dir: clusterDir, purge: true }).catch(() => undefined);
  rmSync(itDir(), { recursive: true, force: true });
  const info = await startCluster({
    dir: clusterDir,
    realNode: "beside-kwok",
    ...(realNodes > 1 ? { realNodes } : {}),
    log,
  });
  if (!info.realNode) throw new Error("the cluster started without its real node");
  log(
    `cluster with real node ${info.realNode.name} ready in ${(info.elapsedMs / 1000).toFixed(1)} s`,
  );
  const image = await buildImage({ log });
  log(
    `${image.reused ? "reused" : "built"} ${image.reference} in ${(image.elapsedMs / 1000).toFixed(1)} s`,
  );
  const nodes = [info.realNode, ...(info.extraRealNodes ?? [])];
  if (nodes.length !== realNodes) {
    throw new Error(`the cluster started ${nodes.length} real node(s), not ${realNodes}`);
  }
  for (const n of nodes) await importImage({ address: n.containerdSocket, log });
  saveRun({
    kubeconfig: info.kubeconfigPath,
    containerdSocket: info.realNode.containerdSocket,
    nodeName: info.realNode.name,
    image: image.reference,
    nodes: nodes.map((n) => ({
      name: n.name,
      containerdSocket: n.containerdSocket,
      kubeletPid: n.components.find((c) => c.name === "kubelet")!.pid,
      containerdPid: n.components.find((c) => c.name === "containerd")!.pid,
    })),
  });
}
