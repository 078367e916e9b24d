/**
 * Shared building blocks of the steady components: problem collection and the validation error,
 * Kubernetes name and label rules, quantities and content hashes.
 * @packageDocumentation
 */
export * from "./problems";
export * from "./labels";
export * from "./quantity";
export * from "./hash";
export * from "./config";
export * from "./node-loss";
export * from "./registration";
