import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { ArgsValidationError, contentHash, stableStringify, type Problems } from "@steady/core";
import type { ContainerArgs, ProbesArgs, ResourcesArgs } from "@steady/pod";
import { resolveCanary, type ResolvedCanary } from "./canary";
import { APP_DEFAULTS } from "./defaults";
import { commonLabels, selectorLabels, templateLabels } from "./labels";
import { withNodeLossTolerations } from "./node-loss";
import type { AppDeploymentArgs, DisruptionBudgetArgs } from "./types";
import { checkAppDeploymentArgs, isPlainJsonObject } from "./validate";

/** Annotation on the pod template carrying the config's content hash. */
export const CONFIG_HASH_ANNOTATION = "steady.dev/config-hash";

/** The app's config as it is stored and mounted. */
export interface ResolvedConfig {
  /** The ConfigMap's data: one file, see {@link renderConfig}. */
  readonly data: Record<string, string>;
  /** Content hash of `data`, in the pod template so a config change is a rollout. */
  readonly hash: string;
  /** Directory the ConfigMap is mounted at. */
  readonly mountPath: string;
  /** Path of the config file in the container (`CONFIG_FILE`). */
  readonly filePath: string;
}

/**
 * {@link AppDeploymentArgs} with every default applied and every derived value computed, in one
 * place: what the builders read. Nothing here is optional unless its absence means "none".
 */
export interface ResolvedAppDeployment {
  /** The component name. */
  readonly name: string;
  readonly namespace: pulumi.Input<string>;
  readonly image: pulumi.Input<string>;
  readonly version: string | undefined;
  /** The selector labels (name + instance), see {@link selectorLabels}. */
  readonly selector: Record<string, string>;
  /** Labels on every object, see {@link commonLabels}. */
  readonly labels: Record<string, string>;
  /** Labels of the pod template, see {@link templateLabels}. */
  readonly templateLabels: Record<string, string>;
  /** Annotations of the pod template, the config hash included. */
  readonly podAnnotations: Record<string, string>;
  /** `spec.replicas`; undefined when the autoscaler owns the count. */
  readonly replicas: number | undefined;
  readonly containerPort: number;
  readonly servicePort: number;
  readonly rollout: {
    readonly maxSurge: number | string;
    readonly maxUnavailable: number | string;
    readonly minReadySeconds: number;
    readonly progressDeadlineSeconds: number;
  };
  /** Seconds the provider waits for the Deployment and the Service: the deadline plus a margin. */
  readonly awaitSeconds: number;
  readonly preStopSleepSeconds: number;
  readonly drainSeconds: number;
  readonly terminationGracePeriodSeconds: number;
  readonly revisionHistoryLimit: number;
  /** The caller's tolerations, then the node-loss ones they do not cover. */
  readonly tolerations: pulumi.Input<k8s.types.input.core.v1.Toleration>[];
  readonly disruptionBudget:
    | { readonly maxUnavailable: number | undefined; readonly minAvailable: number | undefined }
    | false;
  readonly autoscaling:
    | {
        readonly minReplicas: number;
        readonly maxReplicas: number;
        readonly targetCPUUtilizationPercentage: number;
      }
    | undefined;
  readonly topologySpread:
    { readonly zones: boolean; readonly nodes: boolean; readonly maxSkew: number } | false;
  /** Directory the config is (or would be) mounted at. */
  readonly configMountPath: string;
  /** The config, when there is any. */
  readonly config: ResolvedConfig | undefined;
  readonly env: Readonly<Record<string, pulumi.Input<string>>> | undefined;
  readonly command: readonly pulumi.Input<string>[] | undefined;
  readonly args: readonly pulumi.Input<string>[] | undefined;
  readonly resources: ResourcesArgs | undefined;
  readonly probes: ProbesArgs | undefined;
  readonly sidecars: readonly ContainerArgs[];
  readonly nodeSelector: Readonly<Record<string, string>> | undefined;
  /** The canary, when there is one; see {@link resolveCanary}. */
  readonly canary: ResolvedCanary | undefined;
}

/** Renders the app config file: stable key order so the same content always hashes the same. */
export function renderConfig(config: Readonly<Record<string, unknown>>): Record<string, string> {
  return {
    [APP_DEFAULTS.configFileName]:
      JSON.stringify(JSON.parse(stableStringify(config)), null, 2) + "\n",
  };
}

function resolveConfig(
  config: Readonly<Record<string, unknown>> | undefined,
  mountPath: string,
): ResolvedConfig | undefined {
  // Config that is not a plain JSON object is reported by the checks; there is nothing to render.
  if (config === undefined || !isPlainJsonObject(config)) return undefined;
  const data = renderConfig(config);
  return {
    data,
    hash: contentHash(data),
    mountPath,
    filePath: `${mountPath}/${APP_DEFAULTS.configFileName}`,
  };
}

/** The rollout numbers and the wait derived from them. */
function resolveRollout(args: AppDeploymentArgs) {
  const r = args.rollout ?? {};
  const rollout = {
    maxSurge: r.maxSurge ?? APP_DEFAULTS.maxSurge,
    maxUnavailable: r.maxUnavailable ?? APP_DEFAULTS.maxUnavailable,
    minReadySeconds: r.minReadySeconds ?? APP_DEFAULTS.minReadySeconds,
    progressDeadlineSeconds: r.progressDeadlineSeconds ?? APP_DEFAULTS.progressDeadlineSeconds,
  };
  return {
    rollout,
    awaitSeconds: rollout.progressDeadlineSeconds + APP_DEFAULTS.awaitMarginSeconds,
  };
}

/** The termination sequence: preStop sleep, the app's drain, and SIGKILL after both. */
function resolveTermination(args: AppDeploymentArgs) {
  const sleep = args.preStopSleepSeconds ?? APP_DEFAULTS.preStopSleepSeconds;
  const drain = args.drainSeconds ?? APP_DEFAULTS.drainSeconds;
  return {
    preStopSleepSeconds: sleep,
    drainSeconds: drain,
    terminationGracePeriodSeconds:
      args.terminationGracePeriodSeconds ?? sleep + drain + APP_DEFAULTS.terminationSlackSeconds,
  };
}

/** The budget, autoscaler and spread, each `false`/undefined when turned off. */
function resolveScaling(args: AppDeploymentArgs) {
  const budget: DisruptionBudgetArgs | false =
    args.disruptionBudget ?? APP_DEFAULTS.disruptionBudget;
  const hpa = args.autoscaling;
  return {
    replicas: hpa ? undefined : (args.replicas ?? APP_DEFAULTS.replicas),
    disruptionBudget:
      budget === false
        ? (false as const)
        : { maxUnavailable: budget.maxUnavailable, minAvailable: budget.minAvailable },
    autoscaling: hpa
      ? {
          minReplicas: hpa.minReplicas,
          maxReplicas: hpa.maxReplicas,
          targetCPUUtilizationPercentage:
            hpa.targetCPUUtilizationPercentage ??
            APP_DEFAULTS.autoscaling.targetCPUUtilizationPercentage,
        }
      : undefined,
    topologySpread:
      args.topologySpread === false
        ? (false as const)
        : { ...APP_DEFAULTS.topologySpread, ...args.topologySpread },
  };
}

/** Applies every default of {@link AppDeploymentArgs}: the one place an arg default is applied. */
function applyDefaults(name: string, args: AppDeploymentArgs): ResolvedAppDeployment {
  const configMountPath = args.configMountPath ?? APP_DEFAULTS.configMountPath;
  const config = resolveConfig(args.config, configMountPath);
  const scaling = resolveScaling(args);
  return {
    name,
    namespace: args.namespace,
    image: args.image,
    version: args.version,
    selector: selectorLabels(name, args),
    labels: commonLabels(name, args),
    templateLabels: templateLabels(name, args),
    podAnnotations: {
      ...args.podAnnotations,
      ...(config ? { [CONFIG_HASH_ANNOTATION]: config.hash } : {}),
    },
    containerPort: args.containerPort ?? APP_DEFAULTS.containerPort,
    servicePort: args.servicePort ?? APP_DEFAULTS.servicePort,
    ...resolveRollout(args),
    ...resolveTermination(args),
    ...scaling,
    revisionHistoryLimit: args.revisionHistoryLimit ?? APP_DEFAULTS.revisionHistoryLimit,
    tolerations: withNodeLossTolerations(
      args.tolerations,
      args.nodeLossTolerationSeconds ?? APP_DEFAULTS.nodeLossTolerationSeconds,
    ),
    configMountPath,
    config,
    env: args.env,
    command: args.command,
    args: args.args,
    resources: args.resources,
    probes: args.probes,
    sidecars: args.sidecars ?? [],
    nodeSelector: args.nodeSelector,
    canary: resolveCanary(args, scaling.replicas ?? scaling.autoscaling?.minReplicas),
  };
}

/** The outcome of {@link resolveAppDeploymentArgs}. */
export interface AppDeploymentResolution {
  /** Every problem with the args, in the order found; empty when they are valid. */
  readonly problems: Problems;
  /** The resolved args; complete and safe to build from only when `problems` is empty. */
  readonly app: ResolvedAppDeployment;
}

/**
 * Turns {@link AppDeploymentArgs} into one {@link ResolvedAppDeployment}: every default applied
 * once, then every rule checked against the resolved values and every problem collected. Pure:
 * nothing is registered.
 */
export function resolveAppDeploymentArgs(
  name: string,
  args: AppDeploymentArgs,
): AppDeploymentResolution {
  const app = applyDefaults(name, args);
  return { app, problems: checkAppDeploymentArgs(args, app) };
}

/**
 * Checks {@link AppDeploymentArgs} and returns every problem (empty when valid). Pure: nothing is
 * registered. Covers the pod (ports, probes, resources, volumes) and the rollout safety rules.
 */
export function validateAppDeploymentArgs(name: string, args: AppDeploymentArgs): Problems {
  return resolveAppDeploymentArgs(name, args).problems;
}

/**
 * {@link resolveAppDeploymentArgs}, throwing one {@link ArgsValidationError} that lists every
 * problem (subject `AppDeployment "<name>"`) when the args are invalid.
 */
export function resolveAppDeployment(name: string, args: AppDeploymentArgs): ResolvedAppDeployment {
  const { app, problems } = resolveAppDeploymentArgs(name, args);
  if (!problems.ok) throw new ArgsValidationError(`AppDeployment "${name}"`, problems.list);
  return app;
}
