/**
 * steady-deploy: a guarded `pulumi preview` and `up` for any Pulumi project and stack, through
 * the Automation API: the replacement guard, reviewed plans, policy packs, rollout reports with
 * timelines, rollback from the stack's history, recovery of killed updates and smoke checks.
 * @packageDocumentation
 */
export * from "./args";
export * from "./config-size";
export * from "./deadline";
export * from "./deploy-tuning";
export * from "./guard";
export * from "./guarded";
export * from "./help";
export * from "./interrupt";
export * from "./kube";
export {
  KubeApiError,
  KubeClient,
  WATCH_IDLE_TIMEOUT_MS,
  loadKubeconfig,
  withQuery,
  type KubeClientConfig,
  type KubeObject,
  type ObjectMeta,
  type RequestOptions,
  type WatchEventType,
  type WatchOptions,
} from "./kube-client";
export type { KubeList as KubeClientList, WatchEvent as KubeClientWatchEvent } from "./kube-client";
export * from "./locks";
export * from "./open-stack";
export * from "./process-table";
export * from "./pulumi-cli";
export * from "./prepared-run";
export * from "./pulumi-process";
export * from "./recover";
export * from "./report";
export * from "./rollback";
export * from "./rollout-watch";
export * from "./run";
export * from "./settle";
export * from "./smoke";
export * from "./smoke-run";
export * from "./state-dir";
export * from "./summary";
export * from "./svg";
export * from "./up-report";
export * from "./usage";
export * from "./prom-text";
export * from "./canary-analysis";
export * from "./canary-scrape";
export * from "./canary-rollout";
export * from "./canary-cli";
