/**
 * The GitOps side of steady: the pipeline contract, the post-deploy smoke checks and the
 * Pulumi Kubernetes Operator manifests' generator.
 * @packageDocumentation
 */
export * from "./workflow-contract";
export * from "./actionlint";
export * from "./operator/stacks";
export * from "./operator/render";
