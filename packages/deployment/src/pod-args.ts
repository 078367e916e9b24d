import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { ContainerArgs, PodSpecArgs, VolumeArgs } from "@steady/pod";
import { APP_DEFAULTS } from "./defaults";
import type { ResolvedAppDeployment } from "./resolve";

/** Name of the main container. */
export const MAIN_CONTAINER = "app";
const CONFIG_VOLUME = "app-config";

type Spread = Exclude<ResolvedAppDeployment["topologySpread"], false>;

/** Soft spread constraints over zones and nodes, per ReplicaSet. */
function spreadConstraints(
  spread: Spread,
  selector: Record<string, string>,
): k8s.types.input.core.v1.TopologySpreadConstraint[] {
  const over = (topologyKey: string): k8s.types.input.core.v1.TopologySpreadConstraint => ({
    maxSkew: spread.maxSkew,
    topologyKey,
    // Soft: a cluster with one zone or node still schedules; spreading is best effort.
    whenUnsatisfiable: "ScheduleAnyway",
    labelSelector: { matchLabels: selector },
    // Spread each ReplicaSet on its own, so a rollout's new pods spread too.
    matchLabelKeys: ["pod-template-hash"],
  });
  return [
    ...(spread.zones ? [over("topology.kubernetes.io/zone")] : []),
    ...(spread.nodes ? [over("kubernetes.io/hostname")] : []),
  ];
}

/** The main container: its port, probes, drain settings and, with config, the config mount. */
function mainContainer(app: ResolvedAppDeployment, mountConfig: boolean): ContainerArgs {
  const config = mountConfig ? app.config : undefined;
  return {
    name: MAIN_CONTAINER,
    image: app.image,
    ports: [{ name: APP_DEFAULTS.portName, containerPort: app.containerPort }],
    env: {
      ...app.env,
      PORT: String(app.containerPort),
      DRAIN_SECONDS: String(app.drainSeconds),
      ...(app.version !== undefined ? { VERSION: app.version } : {}),
      ...(config ? { CONFIG_FILE: config.filePath } : {}),
    },
    envFromFields: { POD_NAME: "metadata.name", POD_NAMESPACE: "metadata.namespace" },
    ...(app.command ? { command: app.command } : {}),
    ...(app.args ? { args: app.args } : {}),
    ...(app.resources ? { resources: app.resources } : {}),
    ...(app.probes ? { probes: app.probes } : {}),
    preStopSleepSeconds: app.preStopSleepSeconds,
    volumeMounts: config
      ? [{ volume: CONFIG_VOLUME, mountPath: config.mountPath, readOnly: true }]
      : [],
  };
}

/**
 * Which ConfigMap the config volume mounts: the registered one, by its generated name, or the one
 * to come, while the args are checked before any child exists (its name is generated when it is
 * registered).
 */
export type ConfigMapRef =
  | { readonly kind: "registered"; readonly name: pulumi.Input<string> }
  | { readonly kind: "to come" };

/** The registered ConfigMap named `name`; none without a name (the app has no config). */
export function registeredConfigMap(
  name: pulumi.Input<string> | undefined,
): ConfigMapRef | undefined {
  return name === undefined ? undefined : { kind: "registered", name };
}

/**
 * The config volume. For a ConfigMap to come its source names "", which no ConfigMap can be
 * named: the pod check reads a volume's name and which kind of source it has, never the name
 * of the ConfigMap (@steady/pod's checkVolume), so it checks the same pod either way, and the
 * manifests are built only from a registered ConfigMap (see manifests.ts).
 */
function configVolume(ref: ConfigMapRef): VolumeArgs {
  return { name: CONFIG_VOLUME, configMap: { name: ref.kind === "registered" ? ref.name : "" } };
}

/**
 * The pod args of the app: the main container, the sidecars, the config volume and the
 * scheduling (node selector, tolerations, spread). `configMap` is the ConfigMap the config volume
 * mounts; without it (or without config) the pod has no config volume.
 */
export function appPodSpecArgs(
  app: ResolvedAppDeployment,
  configMap: ConfigMapRef | undefined,
): PodSpecArgs {
  const mountConfig = app.config !== undefined && configMap !== undefined;
  const volumes = mountConfig ? [configVolume(configMap)] : [];
  const constraints = app.topologySpread ? spreadConstraints(app.topologySpread, app.selector) : [];
  return {
    containers: [mainContainer(app, mountConfig), ...app.sidecars],
    volumes,
    terminationGracePeriodSeconds: app.terminationGracePeriodSeconds,
    ...(app.nodeSelector ? { nodeSelector: app.nodeSelector } : {}),
    tolerations: app.tolerations,
    ...(constraints.length > 0 ? { topologySpreadConstraints: constraints } : {}),
  };
}
