// Integration tier: builds the real image with umoci, runs it with runc and imports it into a
// private containerd. Needs root.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 300000,
  maxWorkers: 1,
};
