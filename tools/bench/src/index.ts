/**
 * steady-bench: what the components cost, measured with several runs and medians.
 * @packageDocumentation
 */
export * from "./args";
export * from "./stats";
export * from "./results";
export * from "./markdown";
export * from "./chart";
export * from "./machine";
export * from "./program-cost";
export * from "./cluster";
export * from "./deploy";
export * from "./rollout";
export * from "./suite";
export * from "./startup-log";
export * from "./startup";
export { derivedNotes, writeResults } from "./cli";
