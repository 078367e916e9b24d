// Integration tier: actionlint from the toolchain and shellcheck over the workflows and the
// composite actions.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 300000,
  maxWorkers: 1,
};
