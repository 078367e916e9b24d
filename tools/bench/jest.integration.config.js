// The smoke test: program cost and a one-app deploy against a local cluster it starts itself.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 10 * 60 * 1000,
  maxWorkers: 1,
};
