import {
  cidrContains,
  cidrsOverlap,
  NETWORK,
  networkCollisions,
  REAL_NODE_NETWORK,
  realNodeCollisions,
} from "../src/network";

describe("network ranges", () => {
  it("contains and overlaps", () => {
    expect(cidrContains("10.254.0.0/16", "10.254.3.4")).toBe(true);
    expect(cidrContains("10.254.0.0/16", "10.253.0.1")).toBe(false);
    expect(cidrContains("0.0.0.0/0", "8.8.8.8")).toBe(true);
    expect(cidrsOverlap("10.0.0.0/8", "10.254.0.0/16")).toBe(true);
    expect(cidrsOverlap("10.254.0.0/16", "10.0.0.0/8")).toBe(true);
    expect(cidrsOverlap("192.0.2.0/24", "10.254.0.0/16")).toBe(false);
  });

  it("the cluster's ranges are disjoint from each other", () => {
    expect(cidrsOverlap(NETWORK.serviceCidr, NETWORK.podCidr)).toBe(false);
    expect(cidrContains(NETWORK.serviceCidr, NETWORK.nodeIp)).toBe(false);
    expect(cidrContains(NETWORK.podCidr, NETWORK.nodeIp)).toBe(false);
  });

  it("do not collide with this machine's 192.0.2.2/24", () => {
    expect(networkCollisions(["192.0.2.2/24"])).toEqual([]);
  });

  it("reports a collision with a local network", () => {
    const problems = networkCollisions(["10.0.0.5/8"]);
    expect(problems).toHaveLength(4);
    expect(problems[0]).toMatch(
      /service CIDR 10.254.0.0\/16 overlaps this machine's network 10.0.0.5\/8/,
    );
  });

  it("the real node's pod CIDR holds its gateway and stays clear of the cluster's ranges", () => {
    expect(cidrContains(REAL_NODE_NETWORK.podCidr, REAL_NODE_NETWORK.gatewayIp)).toBe(true);
    expect(realNodeCollisions(["192.0.2.2/24"])).toEqual([]);
  });

  it("reports a local network that overlaps the real node's pod CIDR", () => {
    expect(realNodeCollisions(["10.251.0.77/16", "192.0.2.2/24"])).toEqual([
      "the real node's pod CIDR 10.251.0.0/24 overlaps this machine's network 10.251.0.77/16",
    ]);
  });
});
