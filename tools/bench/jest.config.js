// Unit tests only: the smoke test (test/*.int.test.ts) needs the toolchain and a local cluster and
// runs through jest.integration.config.js.
module.exports = {
  preset: "@steady/testing",
  testPathIgnorePatterns: ["/node_modules/", "\\.int\\.test\\.ts$"],
};
