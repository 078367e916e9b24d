/**
 * Pods, hardened by default: a pure pod spec builder and a Pod component.
 * @packageDocumentation
 */
export * from "./types";
export { POD_DEFAULTS } from "./defaults";
export { effectiveResources } from "./resources";
export { validatePodSpecArgs } from "./validate";
/** Re-exported from @steady/core for existing imports. */
export { checkIntRange } from "@steady/core";
export { buildPodSpec, buildPodSpecUnchecked, buildContainer } from "./pod-spec";
export { Pod, type PodArgs } from "./pod";
