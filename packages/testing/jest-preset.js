/**
 * Shared jest settings for every workspace: TypeScript through SWC (type checking is the
 * `typecheck` task's job, so tests start fast), Node environment, tests under test/.
 * @type {import("jest").Config}
 */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.tsx?$": [
      require.resolve("@swc/jest"),
      {
        jsc: { parser: { syntax: "typescript" }, target: "es2022" },
        module: { type: "commonjs" },
        sourceMaps: "inline",
      },
    ],
  },
  moduleFileExtensions: ["ts", "js", "json"],
  // Loading a Pulumi program under mocks takes a second; more on a busy 2-core machine.
  testTimeout: 30000,
};
