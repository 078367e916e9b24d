/**
 * The GitHub Actions side of steady: the pipeline contract and actionlint.
 * @packageDocumentation
 */
export * from "./workflow-contract";
export * from "./actionlint";
