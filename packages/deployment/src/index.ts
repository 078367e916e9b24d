/**
 * An app on Kubernetes that rolls out without downtime.
 * @packageDocumentation
 */
export * from "./types";
export { APP_DEFAULTS, SELECTOR_LABEL_KEYS } from "./defaults";
export { selectorLabels, commonLabels, templateLabels } from "./labels";
export { validateAppDeploymentArgs } from "./validate";
export { NODE_LOSS_TAINT_KEYS, withNodeLossTolerations } from "./node-loss";
export {
  buildAppManifests,
  buildPodSpecArgs,
  renderConfig,
  CONFIG_HASH_ANNOTATION,
  TIMEOUT_ANNOTATION,
  MAIN_CONTAINER,
  type AppManifests,
} from "./manifests";
export { AppDeployment } from "./app-deployment";
