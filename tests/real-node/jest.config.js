// The real-node tier: one local cluster with a real node (containerd, kubelet, kube-proxy) for
// the whole run, started in globalSetup with the sample app's image imported, stopped and
// removed in globalTeardown. Needs root, as CI has.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  // The node-loss drill needs two real nodes: jest.node-loss.config.js runs it.
  testPathIgnorePatterns: ["/node_modules/", "node-loss\\.int\\.test\\.ts$"],
  testTimeout: 15 * 60 * 1000,
  globalSetup: "<rootDir>/test/global-setup.ts",
  globalTeardown: "<rootDir>/test/global-teardown.ts",
};
