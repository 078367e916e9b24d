// Integration tier: starts a real local cluster from the toolchain binaries.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 300000,
  maxWorkers: 1,
};
