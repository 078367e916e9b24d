// Fast tier: package manifests and contents as npm would pack them, the checks' own failure
// cases, and the compatibility check of the consumer program (workspace packages, under mocks).
module.exports = {
  preset: "@steady/testing",
  testPathIgnorePatterns: ["/node_modules/", "\\.int\\.test\\.ts$"],
};
