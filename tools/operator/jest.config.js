// Unit tests only: the integration tier (test/*.int.test.ts) needs the toolchain's binaries (a
// local API server and kubectl) and runs through jest.integration.config.js.
module.exports = {
  preset: "@steady/testing",
  testPathIgnorePatterns: ["/node_modules/", "\\.int\\.test\\.ts$"],
};
