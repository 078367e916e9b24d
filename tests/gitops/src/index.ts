/**
 * The GitOps side of steady: the pipeline contract, actionlint and the post-deploy smoke checks.
 * @packageDocumentation
 */
export * from "./workflow-contract";
export * from "./actionlint";
