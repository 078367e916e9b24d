import { networkInterfaces } from "node:os";

/**
 * Address ranges of the simulated cluster. None of them is routed by the simulation: kwok's pods
 * and nodes do not exist. With a real node (`up --real-node`), kube-proxy makes the service range
 * routable from this machine, and the real node's pods use REAL_NODE_NETWORK. They all have to
 * stay clear of this machine's own addresses, so nothing local is shadowed by a cluster address.
 */
export const NETWORK = {
  /** ClusterIP range (kube-apiserver --service-cluster-ip-range). */
  serviceCidr: "10.254.0.0/16",
  /** Pod IPs handed out by kwok (--cidr). */
  podCidr: "10.253.0.0/16",
  /** InternalIP kwok reports for simulated nodes that have none (--node-ip). */
  nodeIp: "10.252.0.1",
  /**
   * kube-apiserver's --advertise-address: the endpoint of the `kubernetes` Service. It cannot be
   * 127.0.0.1 (loopback endpoints are invalid) and nothing in the cluster dials it (pods are
   * simulated), so a fixed unused address keeps the command line stable across networks.
   */
  apiServerAdvertiseIp: "10.252.0.2",
} as const;

function ipv4ToInt(ip: string): number {
  const parts = ip.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

/** Whether IPv4 `ip` is inside `cidr` ("a.b.c.d/n"). */
export function cidrContains(cidr: string, ip: string): boolean {
  const [base, bitsText] = cidr.split("/");
  const bits = Number(bitsText ?? "32");
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4ToInt(base!) & mask) >>> 0 === (ipv4ToInt(ip) & mask) >>> 0;
}

/** Whether two IPv4 CIDRs share any address. */
export function cidrsOverlap(a: string, b: string): boolean {
  const bitsA = Number(a.split("/")[1] ?? "32");
  const bitsB = Number(b.split("/")[1] ?? "32");
  const [wide, narrow] = bitsA <= bitsB ? [a, b] : [b, a];
  return cidrContains(wide, narrow.split("/")[0]!);
}

/**
 * The real node's network (`up --real-node`): a Linux bridge on this machine whose address is the
 * pods' gateway and the node's InternalIP, and the range the CNI plugin hands pod IPs out of.
 */
export const REAL_NODE_NETWORK = {
  /** Pod IPs of the real node (host-local IPAM); must not overlap NETWORK or a local network. */
  podCidr: "10.251.0.0/24",
  /** The bridge's address: default gateway of the pods, and the node's --node-ip. */
  gatewayIp: "10.251.0.1",
  /** Name of the Linux bridge the pods' veths are attached to. */
  bridge: "steady0",
} as const;

/** How many real nodes `up --real-nodes N` can run at once (one /24 of 10.251.0.0/23 each). */
export const MAX_REAL_NODES = 2;

/** The network of a real node as the CNI plugin and the kubelet see it. */
export interface RealNodeNetwork {
  readonly podCidr: string;
  readonly gatewayIp: string;
  readonly bridge: string;
}

/**
 * The network of real node `index` (1-based): node N has its own bridge steady<N-1> with its own
 * pod range 10.251.(N-1).0/24, like each node's own pod bridge in a real cluster; this machine
 * routes between them (ip_forward is on for the real node). One shared bridge does not work: the
 * CNI bridge plugin refuses a bridge that has an IPv4 address other than its own gateway.
 */
export function realNodeNetwork(index: number): RealNodeNetwork {
  if (!Number.isInteger(index) || index < 1 || index > MAX_REAL_NODES) {
    throw new Error(`real node index ${index} is invalid: it must be 1 to ${MAX_REAL_NODES}`);
  }
  if (index === 1) return REAL_NODE_NETWORK;
  return {
    podCidr: `10.251.${index - 1}.0/24`,
    gatewayIp: `10.251.${index - 1}.1`,
    bridge: `steady${index - 1}`,
  };
}

/** The machine's IPv4 networks, as CIDRs (loopback and the interfaces in `exclude` left out). */
export function localIpv4Networks(exclude: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (exclude.includes(name)) continue;
    for (const a of addrs ?? []) {
      if (a.family === "IPv4" && !a.internal && a.cidr) out.push(a.cidr);
    }
  }
  return out;
}

/** Problems (one line each) when a cluster range collides with one of `local` (CIDRs). */
export function networkCollisions(local: readonly string[] = localIpv4Networks()): string[] {
  const problems: string[] = [];
  const ranges: [string, string][] = [
    ["service CIDR", NETWORK.serviceCidr],
    ["pod CIDR", NETWORK.podCidr],
    ["node IP", `${NETWORK.nodeIp}/32`],
    ["API server advertise address", `${NETWORK.apiServerAdvertiseIp}/32`],
  ];
  for (const [what, range] of ranges) {
    for (const net of local) {
      if (cidrsOverlap(range, net)) {
        problems.push(`the cluster's ${what} ${range} overlaps this machine's network ${net}`);
      }
    }
  }
  return problems;
}

/**
 * Problems (one line each) when the real node's pod CIDR collides with one of `local` (CIDRs;
 * the real node's own bridge excluded) or with a range of the simulated cluster.
 */
export function realNodeCollisions(
  local: readonly string[] = localIpv4Networks([REAL_NODE_NETWORK.bridge]),
): string[] {
  const pods = REAL_NODE_NETWORK.podCidr;
  const problems: string[] = [];
  const cluster: [string, string][] = [
    ["service CIDR", NETWORK.serviceCidr],
    ["simulated pod CIDR", NETWORK.podCidr],
    ["simulated node IP", `${NETWORK.nodeIp}/32`],
    ["API server advertise address", `${NETWORK.apiServerAdvertiseIp}/32`],
  ];
  for (const [what, range] of cluster) {
    if (cidrsOverlap(pods, range)) {
      problems.push(`the real node's pod CIDR ${pods} overlaps the cluster's ${what} ${range}`);
    }
  }
  for (const net of local) {
    if (cidrsOverlap(pods, net)) {
      problems.push(`the real node's pod CIDR ${pods} overlaps this machine's network ${net}`);
    }
  }
  return problems;
}
