// Each test runs the real run-tests.mjs (turbo, tsc, eslint, jest) over a copy of a fixture
// repository: seconds each, more on a busy machine.
module.exports = {
  preset: "@steady/testing",
  testPathIgnorePatterns: ["/fixtures/"],
  testTimeout: 5 * 60 * 1000,
};
