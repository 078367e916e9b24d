/**
 * An app on Kubernetes that rolls out without downtime.
 * @packageDocumentation
 */
export * from "./types";
export {
  APP_DEFAULTS,
  SELECTOR_LABEL_KEYS,
  TRACK_LABEL,
  CANARY_TRACK,
  CANARY_WEIGHT_ANNOTATION,
} from "./defaults";
export { canaryReplicasFor, canaryWeightOf, resolveCanary, type ResolvedCanary } from "./canary";
export { APP_LIMITS } from "./limits";
export { selectorLabels, commonLabels, templateLabels } from "./labels";
export {
  resolveAppDeployment,
  resolveAppDeploymentArgs,
  validateAppDeploymentArgs,
  renderConfig,
  CONFIG_HASH_ANNOTATION,
  type AppDeploymentResolution,
  type ResolvedAppDeployment,
  type ResolvedConfig,
} from "./resolve";
export { NODE_LOSS_TAINT_KEYS, withNodeLossTolerations } from "./node-loss";
export { MAIN_CONTAINER, type ConfigMapRef } from "./pod-args";
export {
  buildAppManifests,
  buildConfigMapManifest,
  buildPodSpecArgs,
  TIMEOUT_ANNOTATION,
  type AppManifests,
} from "./manifests";
export { AppDeployment } from "./app-deployment";
