/**
 * Runs the repo's stacks with the real Pulumi CLI (Automation API), watches rollouts and reports.
 * @packageDocumentation
 */
export * from "./paths";
export * from "./pulumi-env";
export * from "./workspace";
export * from "./stack-runner";
export * from "./kube";
export * from "./rollout-watch";
export * from "./report";
export * from "./svg";
export * from "./up-report";
export * from "./target";
export * from "./demo";
export * from "./guard";
export * from "./guarded";
export * from "./rollback";
export * from "./load";
export * from "./under-load";
export * from "./interrupt";
export * from "./pulumi-process";
export * from "./locks";
export * from "./recover";
export * from "./config-size";
export * from "./deadline";
