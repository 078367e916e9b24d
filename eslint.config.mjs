// Flat config shared by every workspace; each package runs `eslint src test`.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/dist/**", "**/node_modules/**", "**/coverage/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // `||` on a number or string swallows legitimate 0 and "" values; defaults use `??`.
      "@typescript-eslint/prefer-nullish-coalescing": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-syntax": [
        "error",
        {
          selector:
            "ImportDeclaration[source.value=/^\\.\\.\\/\\.\\.\\/(packages|apps|stacks|tools)\\//]",
          message: "Import other workspaces by package name, not by relative path.",
        },
      ],
    },
  },
  {
    // Tests load stack programs with jest.isolateModules, which needs require().
    files: ["**/test/**/*.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
