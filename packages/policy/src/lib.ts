/**
 * The zero-downtime rules as plain functions over plain Kubernetes objects, the policies that
 * wire them into the pack, and helpers to write the pack's config.
 * @packageDocumentation
 */
export * from "./config";
export * from "./k8s";
export * from "./wiring";
export * from "./workloads";
export * from "./pack";
export * from "./rules/pod-spec";
export * from "./rules/rolling-update";
export * from "./rules/readiness-probe";
export * from "./rules/graceful-termination";
export * from "./rules/rollout-deadlines";
export * from "./rules/resource-requests";
export * from "./rules/restricted-security-context";
export * from "./rules/no-fixed-names";
export * from "./rules/no-delete-before-replace";
export * from "./rules/no-skip-await";
export * from "./rules/no-bare-pods";
export * from "./rules/minimum-replicas";
export * from "./rules/autoscaler-owns-replicas";
export * from "./rules/pod-disruption-budget";
export * from "./rules/service-selector";
