import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { contentHash, stableStringify } from "@steady/core";
import { buildPodSpecUnchecked, type PodSpecArgs } from "@steady/pod";
import { APP_DEFAULTS } from "./defaults";
import { commonLabels, selectorLabels, templateLabels } from "./labels";
import { withNodeLossTolerations } from "./node-loss";
import type { AppDeploymentArgs, DisruptionBudgetArgs } from "./types";

/** Annotation on the pod template carrying the config's content hash. */
export const CONFIG_HASH_ANNOTATION = "steady.dev/config-hash";
/** The provider's wait budget for a resource, in seconds. */
export const TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds";
/** The provider's readiness condition for a resource, in place of its built-in wait. */
export const WAIT_FOR_ANNOTATION = "pulumi.com/waitFor";
/** Name of the main container. */
export const MAIN_CONTAINER = "app";
const CONFIG_VOLUME = "app-config";

/** Everything the component creates, as plain Kubernetes inputs (namespaces and images may be Outputs). */
export interface AppManifests {
  /** The Deployment's metadata and spec. */
  readonly deployment: {
    metadata: k8s.types.input.meta.v1.ObjectMeta;
    spec: k8s.types.input.apps.v1.DeploymentSpec;
  };
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

/** Renders the app config file: stable key order so the same content always hashes the same. */
export function renderConfig(config: Readonly<Record<string, unknown>>): Record<string, string> {
  return {
    [APP_DEFAULTS.configFileName]:
      JSON.stringify(JSON.parse(stableStringify(config)), null, 2) + "\n",
  };
}

/**
 * The pod args of the app: the main container (with its port, probes, drain settings and config
 * mount), the sidecars, and the config volume. `configMapName` may be an Output.
 */
export function buildPodSpecArgs(
  name: string,
  args: AppDeploymentArgs,
  configMapName: pulumi.Input<string> | undefined,
): PodSpecArgs {
  const port = args.containerPort ?? APP_DEFAULTS.containerPort;
  const sleep = args.preStopSleepSeconds ?? APP_DEFAULTS.preStopSleepSeconds;
  const drain = args.drainSeconds ?? APP_DEFAULTS.drainSeconds;
  const grace =
    args.terminationGracePeriodSeconds ?? sleep + drain + APP_DEFAULTS.terminationSlackSeconds;
  const mountPath = args.configMountPath ?? APP_DEFAULTS.configMountPath;
  const nodeLoss = args.nodeLossTolerationSeconds ?? APP_DEFAULTS.nodeLossTolerationSeconds;
  const hasConfig = args.config !== undefined && configMapName !== undefined;
  const spread =
    args.topologySpread === false
      ? undefined
      : { ...APP_DEFAULTS.topologySpread, ...args.topologySpread };
  const selector = selectorLabels(name, args);
  const spreadOver = (topologyKey: string): k8s.types.input.core.v1.TopologySpreadConstraint => ({
    maxSkew: spread!.maxSkew,
    topologyKey,
    // Soft: a cluster with one zone or node still schedules; spreading is best effort.
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selector },
    // Spread each ReplicaSet on its own, so a rollout's new pods spread too.
    matchLabelKeys: ["pod-template-hash"],
  });
  const constraints = spread
    ? [
        ...(spread.zones ? [spreadOver("topology.kubernetes.io/zone")] : []),
        ...(spread.nodes ? [spreadOver("kubernetes.io/hostname")] : []),
      ]
    : [];
  return {
    containers: [
      {
        name: MAIN_CONTAINER,
        image: args.image,
        ports: [{ name: APP_DEFAULTS.portName, containerPort: port }],
        env: {
          ...args.env,
          PORT: String(port),
          DRAIN_SECONDS: String(drain),
          ...(args.version !== undefined ? { VERSION: args.version } : {}),
          ...(hasConfig ? { CONFIG_FILE: `${mountPath}/${APP_DEFAULTS.configFileName}` } : {}),
        },
        envFromFields: { POD_NAME: "metadata.name", POD_NAMESPACE: "metadata.namespace" },
        ...(args.command ? { command: args.command } : {}),
        ...(args.args ? { args: args.args } : {}),
        ...(args.resources ? { resources: args.resources } : {}),
        ...(args.probes ? { probes: args.probes } : {}),
        preStopSleepSeconds: sleep,
        volumeMounts: hasConfig ? [{ volume: CONFIG_VOLUME, mountPath, readOnly: true }] : [],
      },
      ...(args.sidecars ?? []),
    ],
    volumes: hasConfig ? [{ name: CONFIG_VOLUME, configMap: { name: configMapName! } }] : [],
    terminationGracePeriodSeconds: grace,
    ...(args.nodeSelector ? { nodeSelector: args.nodeSelector } : {}),
    tolerations: withNodeLossTolerations(args.tolerations, nodeLoss),
    ...(constraints.length > 0 ? { topologySpreadConstraints: constraints } : {}),
  };
}

/**
 * Builds every object of the app as plain Kubernetes inputs, with the zero-downtime defaults.
 * Pure: registers nothing. Call {@link validateAppDeploymentArgs} first.
 * `configMapName` is the (auto-generated) name of the config map, when there is config.
 */
export function buildAppManifests(
  name: string,
  args: AppDeploymentArgs,
  configMapName?: pulumi.Input<string>,
): AppManifests {
  const labels = commonLabels(name, args);
  const selector = selectorLabels(name, args);
  const r = args.rollout ?? {};
  const minReadySeconds = r.minReadySeconds ?? APP_DEFAULTS.minReadySeconds;
  const progressDeadlineSeconds = r.progressDeadlineSeconds ?? APP_DEFAULTS.progressDeadlineSeconds;
  const configHash = args.config !== undefined ? contentHash(renderConfig(args.config)) : "";
  const podAnnotations: Record<string, string> = {
    ...args.podAnnotations,
    ...(configHash ? { [CONFIG_HASH_ANNOTATION]: configHash } : {}),
  };
  const deployment: AppManifests["deployment"] = {
    metadata: {
      namespace: args.namespace,
      labels,
      // `pulumi up` waits for the rollout this long, then fails with the controller's reason.
      annotations: {
        [TIMEOUT_ANNOTATION]: String(progressDeadlineSeconds + APP_DEFAULTS.awaitMarginSeconds),
      },
    },
    spec: {
      ...(args.autoscaling ? {} : { replicas: args.replicas ?? APP_DEFAULTS.replicas }),
      selector: { matchLabels: selector },
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: {
          maxSurge: r.maxSurge ?? APP_DEFAULTS.maxSurge,
          maxUnavailable: r.maxUnavailable ?? APP_DEFAULTS.maxUnavailable,
        },
      },
      minReadySeconds,
      progressDeadlineSeconds,
      revisionHistoryLimit: args.revisionHistoryLimit ?? APP_DEFAULTS.revisionHistoryLimit,
      template: {
        metadata: {
          labels: templateLabels(name, args),
          ...(Object.keys(podAnnotations).length > 0 ? { annotations: podAnnotations } : {}),
        },
        spec: buildPodSpecUnchecked(buildPodSpecArgs(name, args, configMapName)),
      },
    },
  };
  const servicePort = args.servicePort ?? APP_DEFAULTS.servicePort;
  const service: AppManifests["service"] = {
    metadata: {
      namespace: args.namespace,
      labels,
      annotations: {
        // Any wait on the Service is bounded like the Deployment's.
        [TIMEOUT_ANNOTATION]: String(progressDeadlineSeconds + APP_DEFAULTS.awaitMarginSeconds),
        // Ready once it has its cluster IP. The provider's default Service wait ends only 10 s
        // after the last endpoint change and holds one of `pulumi up`'s parallel operations
        // meanwhile, which made `up` of many apps several times slower (tools/bench); the
        // Deployment's wait, which stays, already proves the selected pods Ready.
        [WAIT_FOR_ANNOTATION]: "jsonpath={.spec.clusterIP}",
      },
    },
    spec: {
      type: "ClusterIP",
      selector,
      ports: [
        {
          name: APP_DEFAULTS.portName,
          port: servicePort,
          targetPort: APP_DEFAULTS.portName,
          protocol: "TCP",
        },
      ],
    },
  };
  const budget: DisruptionBudgetArgs | false =
    args.disruptionBudget ?? APP_DEFAULTS.disruptionBudget;
  const podDisruptionBudget: AppManifests["podDisruptionBudget"] =
    budget === false
      ? undefined
      : {
          metadata: { namespace: args.namespace, labels },
          spec: {
            selector: { matchLabels: selector },
            ...(budget.minAvailable !== undefined
              ? { minAvailable: budget.minAvailable }
              : { maxUnavailable: budget.maxUnavailable }),
            // A crash-looping pod must not block a node drain.
            unhealthyPodEvictionPolicy: "AlwaysAllow",
          },
        };
  const hpa = args.autoscaling;
  const autoscaler: AppManifests["autoscaler"] = hpa
    ? {
        metadata: { namespace: args.namespace, labels },
        spec: {
          minReplicas: hpa.minReplicas,
          maxReplicas: hpa.maxReplicas,
          metrics: [
            {
              type: "Resource",
              resource: {
                name: "cpu",
                target: {
                  type: "Utilization",
                  averageUtilization:
                    hpa.targetCPUUtilizationPercentage ??
                    APP_DEFAULTS.autoscaling.targetCPUUtilizationPercentage,
                },
              },
            },
          ],
        },
      }
    : undefined;
  const configMap: AppManifests["configMap"] =
    args.config !== undefined
      ? {
          metadata: {
            namespace: args.namespace,
            labels: { ...labels, [CONFIG_HASH_ANNOTATION]: configHash },
          },
          data: renderConfig(args.config),
          immutable: true,
        }
      : undefined;
  return {
    deployment,
    service,
    ...(podDisruptionBudget ? { podDisruptionBudget } : {}),
    ...(autoscaler ? { autoscaler } : {}),
    ...(configMap ? { configMap } : {}),
    configHash,
    selector,
  };
}
