// Integration tier: the rendered Stack manifests against a real local API server.
module.exports = {
  preset: "@steady/testing",
  testMatch: ["**/*.int.test.ts"],
  testTimeout: 300000,
  maxWorkers: 1,
};
