import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { buildPodSpecUnchecked, type PodSpecArgs } from "@steady/pod";
import { canaryView } from "./canary";
import { APP_DEFAULTS, CANARY_WEIGHT_ANNOTATION } from "./defaults";
import { appPodSpecArgs, registeredConfigMap } from "./pod-args";
import {
  CONFIG_HASH_ANNOTATION,
  resolveAppDeploymentArgs,
  type ResolvedAppDeployment,
} from "./resolve";
import type { AppDeploymentArgs } from "./types";
/** The provider's wait budget for a resource, in seconds. */
export const TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds";
/** The provider's readiness condition for a resource, in place of its built-in wait. */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";

/** Everything the component creates, as plain Kubernetes inputs (namespaces and images may be Outputs). */
export interface AppManifests {
  /** The Deployment's metadata and spec. */
  readonly deployment: {
    metadata: k8s.types.input.meta.v1.ObjectMeta;
    spec: k8s.types.input.apps.v1.DeploymentSpec;
  };
  /**
   * The canary Deployment, when a canary is configured: the stable pod template with the
   * canary's image, version and env, the track label on its selector and pods, and the
   * canary's pod count. The Service and the budget select both tracks.
   */
  readonly canaryDeployment?: AppManifests["deployment"];
  /** The ClusterIP Service. */
  readonly service: {
    metadata: k8s.types.input.meta.v1.ObjectMeta;
    spec: k8s.types.input.core.v1.ServiceSpec;
  };
  /** The PodDisruptionBudget, unless turned off. */
  readonly podDisruptionBudget?: {
    metadata: k8s.types.input.meta.v1.ObjectMeta;
    spec: k8s.types.input.policy.v1.PodDisruptionBudgetSpec;
  };
  /** The autoscaler, when configured. Its target is filled in by the component (it needs the Deployment's name). */
  readonly autoscaler?: {
    metadata: k8s.types.input.meta.v1.ObjectMeta;
    spec: Omit<k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec, "scaleTargetRef">;
  };
  /** The immutable config map, when config is given. */
  readonly configMap?: {
    metadata: k8s.types.input.meta.v1.ObjectMeta;
    data: Record<string, string>;
    immutable: true;
  };
  /** Content hash of the config ("" when there is none). */
  readonly configHash: string;
  /** The selector labels. */
  readonly selector: Record<string, string>;
}

type Manifest<K extends keyof AppManifests> = NonNullable<AppManifests[K]>;

/** The Deployment: rolling update, deadlines the provider waits on, the hardened pod template. */
function deploymentManifest(
  app: ResolvedAppDeployment,
  configMapName: pulumi.Input<string> | undefined,
): Manifest<"deployment"> {
  const annotations = app.podAnnotations;
  return {
    metadata: {
      namespace: app.namespace,
      labels: app.labels,
      // `pulumi up` waits for the rollout this long, then fails with the controller's reason.
      annotations: { [TIMEOUT_ANNOTATION]: String(app.awaitSeconds) },
    },
    spec: {
      ...(app.replicas !== undefined ? { replicas: app.replicas } : {}),
      selector: { matchLabels: app.selector },
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: {
          maxSurge: app.rollout.maxSurge,
          maxUnavailable: app.rollout.maxUnavailable,
        },
      },
      minReadySeconds: app.rollout.minReadySeconds,
      progressDeadlineSeconds: app.rollout.progressDeadlineSeconds,
      revisionHistoryLimit: app.revisionHistoryLimit,
      template: {
        metadata: {
          labels: app.templateLabels,
          ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec: buildPodSpecUnchecked(appPodSpecArgs(app, registeredConfigMap(configMapName))),
      },
    },
  };
}

/** The canary Deployment (see {@link AppManifests.canaryDeployment}), when there is a canary. */
function canaryDeploymentManifest(
  app: ResolvedAppDeployment,
  configMapName: pulumi.Input<string> | undefined,
): AppManifests["canaryDeployment"] {
  if (!app.canary) return undefined;
  const m = deploymentManifest(canaryView(app, app.canary), configMapName);
  const annotations = {
    ...(m.metadata.annotations as Record<string, string>),
    [CANARY_WEIGHT_ANNOTATION]: String(app.canary.weightPercent),
  };
  return { metadata: { ...m.metadata, annotations }, spec: m.spec };
}

/** The ClusterIP Service in front of the ready pods, on the named container port. */
function serviceManifest(app: ResolvedAppDeployment): Manifest<"service"> {
  return {
    metadata: {
      namespace: app.namespace,
      labels: app.labels,
      annotations: {
        // Any wait on the Service is bounded like the Deployment's.
        [TIMEOUT_ANNOTATION]: String(app.awaitSeconds),
        // Ready once it has its cluster IP. The provider's default Service wait ends only 10 s
        // after the last endpoint change and holds one of `pulumi up`'s parallel operations
        // meanwhile, which made `up` of many apps several times slower (tools/bench); the
        // Deployment's wait, which stays, already proves the selected pods Ready.
        [WAIT_FOR_ANNOTATION]: "jsonpath={.spec.clusterIP}",
      },
    },
    spec: {
      type: "ClusterIP",
      selector: app.selector,
      ports: [
        {
          name: APP_DEFAULTS.portName,
          port: app.servicePort,
          targetPort: APP_DEFAULTS.portName,
          protocol: "TCP",
        },
      ],
    },
  };
}

/** The PodDisruptionBudget, unless turned off. */
function disruptionBudgetManifest(app: ResolvedAppDeployment): AppManifests["podDisruptionBudget"] {
  const budget = app.disruptionBudget;
  if (budget === false) return undefined;
  return {
    metadata: { namespace: app.namespace, labels: app.labels },
    spec: {
      selector: { matchLabels: app.selector },
      ...(budget.minAvailable !== undefined
        ? { minAvailable: budget.minAvailable }
        : { maxUnavailable: budget.maxUnavailable }),
      // A crash-looping pod must not block a node drain.
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    },
  };
}

/** The autoscaler on CPU utilisation, when configured (its target is set by the component). */
function autoscalerManifest(app: ResolvedAppDeployment): AppManifests["autoscaler"] {
  const hpa = app.autoscaling;
  if (!hpa) return undefined;
  return {
    metadata: { namespace: app.namespace, labels: app.labels },
    spec: {
      minReplicas: hpa.minReplicas,
      maxReplicas: hpa.maxReplicas,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: hpa.targetCPUUtilizationPercentage },
          },
        },
      ],
    },
  };
}

/**
 * The immutable, content-hashed ConfigMap, when there is config. It needs no other object, so the
 * component registers it first and builds the rest with its generated name.
 */
export function buildConfigMapManifest(app: ResolvedAppDeployment): AppManifests["configMap"] {
  if (!app.config) return undefined;
  return {
    metadata: {
      namespace: app.namespace,
      labels: { ...app.labels, [CONFIG_HASH_ANNOTATION]: app.config.hash },
    },
    data: app.config.data,
    immutable: true,
  };
}

/**
 * The pod args of the app (main container, sidecars, config volume) from resolved args.
 */
export function buildPodSpecArgs(
  app: ResolvedAppDeployment,
  configMapName: pulumi.Input<string> | undefined,
): PodSpecArgs;
/**
 * @deprecated resolve once with {@link resolveAppDeploymentArgs} and pass the result; this form
 * resolves on every call and, as before, does not check the args.
 */
export function buildPodSpecArgs(
  name: string,
  args: AppDeploymentArgs,
  configMapName: pulumi.Input<string> | undefined,
): PodSpecArgs;
export function buildPodSpecArgs(
  ...given:
    | [ResolvedAppDeployment, pulumi.Input<string> | undefined]
    | [string, AppDeploymentArgs, pulumi.Input<string> | undefined]
): PodSpecArgs {
  if (typeof given[0] !== "string")
    return appPodSpecArgs(
      given[0],
      registeredConfigMap(given[1] as pulumi.Input<string> | undefined),
    );
  return appPodSpecArgs(
    resolveAppDeploymentArgs(given[0], given[1] as AppDeploymentArgs).app,
    registeredConfigMap(given[2]),
  );
}

/**
 * Builds every object of the app as plain Kubernetes inputs from resolved args (see
 * {@link resolveAppDeployment}), with the zero-downtime defaults already applied there. Pure:
 * registers nothing. `configMapName` is the (generated) name of the config map, when there is
 * config; without it the pod does not mount the config.
 *
 * Call it with what {@link resolveAppDeployment} returns (which has checked the args).
 */
export function buildAppManifests(
  app: ResolvedAppDeployment,
  configMapName?: pulumi.Input<string>,
): AppManifests;
/**
 * @deprecated resolve once with {@link resolveAppDeploymentArgs} and pass the result; this form
 * resolves on every call and, as before, does not check the args.
 */
export function buildAppManifests(
  name: string,
  args: AppDeploymentArgs,
  configMapName?: pulumi.Input<string>,
): AppManifests;
export function buildAppManifests(
  ...given:
    | [ResolvedAppDeployment, pulumi.Input<string>?]
    | [string, AppDeploymentArgs, pulumi.Input<string>?]
): AppManifests {
  const [app, configMapName] =
    typeof given[0] === "string"
      ? [resolveAppDeploymentArgs(given[0], given[1] as AppDeploymentArgs).app, given[2]]
      : [given[0], given[1] as pulumi.Input<string> | undefined];
  const podDisruptionBudget = disruptionBudgetManifest(app);
  const autoscaler = autoscalerManifest(app);
  const configMap = buildConfigMapManifest(app);
  const canaryDeployment = canaryDeploymentManifest(app, configMapName);
  return {
    deployment: deploymentManifest(app, configMapName),
    ...(canaryDeployment ? { canaryDeployment } : {}),
    service: serviceManifest(app),
    ...(podDisruptionBudget ? { podDisruptionBudget } : {}),
    ...(autoscaler ? { autoscaler } : {}),
    ...(configMap ? { configMap } : {}),
    configHash: app.config?.hash ?? "",
    selector: app.selector,
  };
}
