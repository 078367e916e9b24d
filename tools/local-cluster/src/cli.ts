#!/usr/bin/env node
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { MAX_REAL_NODES, REAL_NODE_NETWORK } from "./network";
import { layout, resolveDataDir } from "./paths";
import { NOT_ROOT_MESSAGE } from "./real-node/start";
import { REAL_NODE, type RealNodeMode } from "./real-node/spec";
import { isRoot } from "./host/host";
import { startCluster } from "./control-plane/start";
import { clusterStatus } from "./control-plane/status";
import { stopCluster } from "./control-plane/stop";
import type { ClusterInfo, ClusterStatus } from "./types";

const USAGE = `Usage: steady-local <command> [--dir <dataDir>]

A local Kubernetes control plane on 127.0.0.1 (etcd, kube-apiserver, kube-controller-manager,
kube-scheduler) with kwok simulating the nodes annotated kwok.x-k8s.io/node=fake, and optionally
one real node (containerd, kubelet, kube-proxy) whose pods run as real containers.

Commands:
  up              start the cluster, or confirm it runs (restarts a stale one on the same data)
    --real-node       also run one real node (needs root): containerd, kubelet and
                      kube-proxy, so pods run as real containers, in ${REAL_NODE_NETWORK.podCidr}.
                      Node ${REAL_NODE.name}, label ${REAL_NODE.label.key}=${REAL_NODE.label.value},
                      taint ${REAL_NODE.taint.key}=${REAL_NODE.taint.value}:${REAL_NODE.taint.effect}.
                      Can be added to a running cluster.
    --real-node-only  the same, with the real node as the only node (kwok is not started)
    --real-nodes <n>  with --real-node(-only): run n real nodes (1 or 2). Node 2 is
                      ${REAL_NODE.name}-2 with its own containerd, kubelet, cgroup root
                      and pods in 10.251.1.0/24 on its own bridge steady1; one kube-proxy.
  down [--purge]  stop exactly what up started (the real node: its pods, containers, iptables
                  chains, bridge, mounts, cgroups and kernel settings too); --purge also deletes
                  the data
  status [--json] components, readiness, nodes and security posture (etcd TLS, admission
                  plugins); exit 0 healthy, 1 unhealthy, 3 not started
  env             print \`export KUBECONFIG=...\` (use: eval "$(steady-local env)")

Options:
  --dir <dataDir> data directory (default: $STEADY_CLUSTER_DIR or <repo root>/.steady/cluster)

The real node needs root and the packages of tools/toolchain/install-node-runtime.sh.
`;

/** `value` quoted for a POSIX shell when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export const exportLine = (kubeconfig: string) => `export KUBECONFIG=${shellQuote(kubeconfig)}`;

function printSummary(info: ClusterInfo, out: (l: string) => void): void {
  const head =
    info.outcome === "already-running"
      ? `Cluster already running in ${info.dataDir}.`
      : `Cluster ${info.outcome === "restarted" ? "restarted" : "started"} in ${(info.elapsedMs / 1000).toFixed(1)} s.`;
  out(head);
  for (const c of info.components) {
    const extra = c.name === "kube-apiserver" ? `  ${info.apiServerUrl}` : "";
    out(`  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} port ${c.port}${extra}`);
  }
  for (const node of [info.realNode, ...(info.extraRealNodes ?? [])]) {
    if (!node) continue;
    out(
      `Real node ${node.name} (${node.outcome === "started" ? "started" : "already running"}): ` +
        `node IP ${node.nodeIp}, pods ${node.podCidr} on bridge ${node.bridge}` +
        (node.mode === "only" ? ", no kwok" : ""),
    );
    for (const c of node.components) {
      out(
        `  ${c.name.padEnd(24)} pid ${String(c.pid).padEnd(8)} ${c.port ? `port ${c.port}` : ""}`,
      );
    }
    out(
      `  images: ctr --address ${node.containerdSocket} --namespace k8s.io images import <archive>`,
    );
  }
  out(`Kubeconfig: ${info.kubeconfigPath}`);
  out(exportLine(info.kubeconfigPath));
}

function printComponentRows(
  rows: readonly ClusterStatus["components"][number][],
  out: (l: string) => void,
) {
  for (const c of rows) {
    const alive = c.liveness === "running" ? "yes" : c.liveness === "pid-reused" ? "no*" : "no";
    const rss = c.rssKiB !== undefined ? `${(c.rssKiB / 1024).toFixed(0)} MiB` : "-";
    out(
      `  ${c.name.padEnd(24)} ${String(c.pid ?? "-").padEnd(8)} ${alive.padEnd(6)} ` +
        `${String(c.port || "-").padEnd(6)} ${(c.ready ? "yes" : "no").padEnd(6)} ${rss}`,
    );
    if (!c.ready && c.detail) out(`      ${c.detail.split("\n")[0]}`);
  }
}

function printStatus(s: ClusterStatus, out: (l: string) => void): void {
  out(`Cluster in ${s.dataDir}: ${s.healthy ? "healthy" : "NOT healthy"}`);
  out(
    `  ${"COMPONENT".padEnd(24)} ${"PID".padEnd(8)} ${"ALIVE".padEnd(6)} ${"PORT".padEnd(6)} ${"READY".padEnd(6)} RSS`,
  );
  printComponentRows(s.components, out);
  const nodes = [s.realNode, ...(s.extraRealNodes ?? [])];
  for (const node of nodes) {
    if (!node) continue;
    out(
      `Real node ${node.name}: ${node.ready ? "Ready" : "NOT Ready"}; node IP ${node.nodeIp}, ` +
        `pod CIDR ${node.podCidr}, bridge ${node.bridge}${node.mode === "only" ? ", no kwok" : ""}`,
    );
    if (!node.ready && node.detail) out(`      ${node.detail}`);
    printComponentRows(node.components, out);
  }
  const rows = [...s.components, ...nodes.flatMap((n) => n?.components ?? [])];
  if (rows.some((c) => c.liveness === "pid-reused")) {
    out("  (no*: the recorded pid now belongs to another program)");
  }
  out(
    s.nodes ? `Nodes: ${s.nodes.total} (${s.nodes.ready} Ready)` : "Nodes: unknown (API not ready)",
  );
  if (s.security) out(`Security: ${s.security}`);
  out(`Kubeconfig: ${s.kubeconfigPath}`);
}

type Line = (l: string) => void;

/** A checked command line: what to run, and where. */
interface Invocation {
  readonly command: string;
  readonly dir: string;
  readonly realNode?: RealNodeMode;
  readonly realNodes?: number;
  readonly json: boolean;
  readonly purge: boolean;
}

export async function main(argv: string[]): Promise<number> {
  const out: Line = (l) => process.stdout.write(l + "\n");
  const err: Line = (l) => process.stderr.write(l + "\n");
  const inv = parseInvocation(argv, out, err);
  if (typeof inv === "number") return inv;
  try {
    return await runCommand(inv, out, err);
  } catch (e) {
    err(`steady-local ${inv.command}: ${(e as Error).message}`);
    return 1;
  }
}

/** --real-nodes as a number; undefined when absent, null once it said what is wrong. */
function parseRealNodes(
  text: string | undefined,
  realNode: RealNodeMode | undefined,
  err: Line,
): number | undefined | null {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_REAL_NODES) {
    err(`--real-nodes ${text}: give a whole number from 1 to ${MAX_REAL_NODES}\n\n${USAGE}`);
    return null;
  }
  if (!realNode) {
    err(`--real-nodes goes with --real-node or --real-node-only\n\n${USAGE}`);
    return null;
  }
  return n;
}

/** The invocation, or the exit code once it has said what is wrong with the command line. */
function parseInvocation(argv: string[], out: Line, err: Line): Invocation | number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: "string" },
        json: { type: "boolean", default: false },
        purge: { type: "boolean", default: false },
        "real-node": { type: "boolean", default: false },
        "real-node-only": { type: "boolean", default: false },
        "real-nodes": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    err(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help || !command) {
    (values.help ? out : err)(USAGE);
    return values.help ? 0 : 2;
  }
  if (positionals.length > 1) {
    err(`unexpected argument: ${positionals[1]}\n\n${USAGE}`);
    return 2;
  }
  if ((values["real-node"] || values["real-node-only"]) && command !== "up") {
    err(`--real-node and --real-node-only go with \`up\`, not \`${command}\`\n\n${USAGE}`);
    return 2;
  }
  if (values["real-node"] && values["real-node-only"]) {
    err(`use either --real-node (beside kwok) or --real-node-only (no kwok), not both\n\n${USAGE}`);
    return 2;
  }
  const realNode: RealNodeMode | undefined = values["real-node-only"]
    ? "only"
    : values["real-node"]
      ? "beside-kwok"
      : undefined;
  const realNodes = parseRealNodes(values["real-nodes"], realNode, err);
  if (realNodes === null) return 2;
  if (realNode && !isRoot()) {
    err(`steady-local up: ${NOT_ROOT_MESSAGE}`);
    return 1;
  }
  const dir = values.dir ? resolve(values.dir) : resolveDataDir();
  return {
    command,
    dir,
    json: values.json,
    purge: values.purge,
    ...(realNode ? { realNode } : {}),
    ...(realNodes !== undefined ? { realNodes } : {}),
  };
}

/** Runs one command; its exit code. */
async function runCommand(inv: Invocation, out: Line, err: Line): Promise<number> {
  switch (inv.command) {
    case "up": {
      const info = await startCluster({
        dir: inv.dir,
        log: out,
        realNode: inv.realNode,
        realNodes: inv.realNodes,
      });
      printSummary(info, out);
      return 0;
    }
    case "down": {
      const t0 = Date.now();
      const r = await stopCluster({ dir: inv.dir, purge: inv.purge, log: out });
      out(`Done in ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
      if (r.realNodeLeftovers?.length) {
        err(`steady-local down: could not remove everything of the real node (see above).`);
        return 1;
      }
      return 0;
    }
    case "status": {
      const s = await clusterStatus({ dir: inv.dir });
      if (inv.json) out(JSON.stringify(s, null, 2));
      else if (!s.started)
        out(`Not started: no cluster state in ${s.dataDir}. Run \`steady-local up\`.`);
      else printStatus(s, out);
      return !s.started ? 3 : s.healthy ? 0 : 1;
    }
    case "env": {
      const kubeconfig = layout(inv.dir).kubeconfig;
      out(exportLine(kubeconfig));
      if (!existsSync(kubeconfig))
        err(`# ${kubeconfig} does not exist yet: run \`steady-local up\``);
      return 0;
    }
    default:
      err(`unknown command: ${inv.command}\n\n${USAGE}`);
      return 2;
  }
}

if (require.main === module) {
  // A closed stdout (`steady-local up | head`) must not kill `up` half-way through a start.
  process.stdout.on("error", () => undefined);
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
      process.exit(1);
    },
  );
}
