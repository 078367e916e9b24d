// The node-loss drill: a cluster with TWO real nodes (its own global setup, so the main tier's
// cluster keeps one node and its cost), 3 replicas over both, under load; one node is drained,
// then the other is killed. Needs root, like the main tier.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/node-loss.int.test.ts"],
  testTimeout: 15 * 60 * 1000,
  globalSetup: "<rootDir>/test/global-setup-two-nodes.ts",
  globalTeardown: "<rootDir>/test/global-teardown.ts",
};
