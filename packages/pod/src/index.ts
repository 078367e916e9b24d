/**
 * Pods, hardened by default: a pure pod spec builder and a Pod component.
 * @packageDocumentation
 */
export * from "./types";
export { POD_DEFAULTS } from "./defaults";
export { effectiveResources } from "./resources";
export { validatePodSpecArgs, checkIntRange } from "./validate";
export { buildPodSpec, buildPodSpecUnchecked, buildContainer } from "./pod-spec";
export { Pod, type PodArgs } from "./pod";
