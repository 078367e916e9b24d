// Integration tier: actionlint from the toolchain, and a real local API server for the
// operator's Stack manifests.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 300000,
  maxWorkers: 1,
};
