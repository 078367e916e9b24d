// The node-loss drill: a cluster with TWO real nodes (its own global setup, so the main tier's
// cluster keeps one node and its cost, and its own state directory, .steady/it-real-2), 3
// replicas over both, under load; one node is drained, then the other is killed. Needs root,
// like the main tier, whose configuration this one is, but for what differs below.
const main = require("./jest.config");

module.exports = {
  ...main,
  testMatch: ["**/node-loss.int.test.ts"],
  testPathIgnorePatterns: ["/node_modules/"],
  globalSetup: "<rootDir>/test/global-setup-two-nodes.ts",
};
