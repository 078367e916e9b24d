// The integration tier: one local cluster for the whole run (started in globalSetup, stopped in
// globalTeardown), test files one at a time, generous timeouts (each step is a real `pulumi up`).
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 15 * 60 * 1000,
  globalSetup: "<rootDir>/test/global-setup.ts",
  globalTeardown: "<rootDir>/test/global-teardown.ts",
};
