// Slow tier: npm pack, install into a project outside the workspace, compile, mocks, and a real
// `pulumi up` / `destroy` against a local cluster started for the run.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 15 * 60 * 1000,
  maxWorkers: 1,
};
