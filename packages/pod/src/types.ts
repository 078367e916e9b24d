import type * as pulumi from "@pulumi/pulumi";

/** A port a container listens on. @see https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#ports */
export interface ContainerPortArgs {
  /** IANA service name of the port (at most 15 lowercase alphanumerics or "-"); probes and Services refer to it. */
  readonly name: string;
  /** Port number inside the pod, 1 to 65535. */
  readonly containerPort: number;
  /**
   * Transport protocol.
   * @default "TCP"
   */
  readonly protocol?: "TCP" | "UDP" | "SCTP";
}

/** How a probe checks a container. Exactly one of `httpGet`, `tcpSocket`, `exec` is set. */
export interface ProbeArgs {
  /** An HTTP GET that must answer 200-399. `port` is a port name or number; it defaults to the container's first port. */
  readonly httpGet?: { readonly path: string; readonly port?: string | number };
  /** A TCP connection that must open. */
  readonly tcpSocket?: { readonly port?: string | number };
  /** A command that must exit 0. */
  readonly exec?: { readonly command: readonly string[] };
  /**
   * Seconds after the container starts before the first check.
   * @default 0
   */
  readonly initialDelaySeconds?: number;
  /**
   * Seconds between checks.
   * @default 5 (readiness), 10 (liveness), 2 (startup)
   */
  readonly periodSeconds?: number;
  /**
   * Seconds after which one check times out.
   * @default 2
   */
  readonly timeoutSeconds?: number;
  /**
   * Consecutive failures before the probe counts as failed.
   * @default 3 (readiness and liveness), 60 (startup: 2 minutes to boot)
   */
  readonly failureThreshold?: number;
  /**
   * Consecutive successes before a failed probe counts as passing again (must be 1 for liveness and startup).
   * @default 1
   */
  readonly successThreshold?: number;
}

/** The three probes of a container; `false` turns one off. @see https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/ */
export interface ProbesArgs {
  /**
   * Decides when the pod receives traffic; a new ReplicaSet only counts once its pods are Ready.
   * @default - HTTP GET /readyz on the first port, when the container has a port
   */
  readonly readiness?: ProbeArgs | false;
  /**
   * Restarts a wedged container. It should only check the process, never its dependencies.
   * @default - HTTP GET /healthz on the first port, when the container has a port
   */
  readonly liveness?: ProbeArgs | false;
  /**
   * Holds off the other probes while the container boots.
   * @default - HTTP GET /healthz on the first port every 2 s, up to 60 failures
   */
  readonly startup?: ProbeArgs | false;
}

/** CPU and memory a container asks for and may use. @see https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ */
export interface ResourcesArgs {
  /**
   * What the scheduler reserves.
   * @default { cpu: "50m", memory: "64Mi" }
   */
  readonly requests?: { readonly cpu?: string; readonly memory?: string };
  /**
   * Hard caps. A memory limit is always set (an OOM kill is not a rollout); a CPU limit only when given.
   * @default { memory: "128Mi" }
   */
  readonly limits?: { readonly cpu?: string; readonly memory?: string };
}

/** Where a pod volume is mounted in a container. */
export interface VolumeMountArgs {
  /** Name of a volume declared in the pod's `volumes`. */
  readonly volume: string;
  /** Absolute path in the container. */
  readonly mountPath: string;
  /**
   * Mount read-only.
   * @default true for ConfigMap and Secret volumes, false for emptyDir
   */
  readonly readOnly?: boolean;
  /** Mount only this path inside the volume. */
  readonly subPath?: string;
}

/** One container of a pod: the main one or a sidecar. */
export interface ContainerArgs {
  /** Container name, an RFC 1123 label unique in the pod. */
  readonly name: string;
  /** Image reference, e.g. `registry.example.com/app:1.2.3` or a digest. */
  readonly image: pulumi.Input<string>;
  /**
   * When the kubelet pulls the image.
   * @default "IfNotPresent"
   */
  readonly imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
  /** Entrypoint override. @default - the image's ENTRYPOINT */
  readonly command?: readonly pulumi.Input<string>[];
  /** Arguments. @default - the image's CMD */
  readonly args?: readonly pulumi.Input<string>[];
  /** Ports the container serves. @default - none */
  readonly ports?: readonly ContainerPortArgs[];
  /** Environment variables by name. @default - none */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Environment variables read from the pod's own fields (downward API), by variable name, e.g.
   * `{ POD_NAME: "metadata.name" }`.
   * @default - none
   */
  readonly envFromFields?: Readonly<Record<string, string>>;
  /** Resource requests and limits. @default - see {@link ResourcesArgs} */
  readonly resources?: ResourcesArgs;
  /** Health probes. @default - see {@link ProbesArgs} */
  readonly probes?: ProbesArgs;
  /** Volumes mounted into this container. @default - none (plus /tmp, see `PodSpecArgs.tmpVolume`) */
  readonly volumeMounts?: readonly VolumeMountArgs[];
  /**
   * Seconds the container sleeps in a preStop hook before it gets SIGTERM, so endpoint removal
   * reaches every proxy before the app stops accepting. 0 turns the hook off.
   * @default 0 (the Deployment component sets 5 for serving containers)
   */
  readonly preStopSleepSeconds?: number;
  /**
   * Give the container a writable root filesystem. Avoid: write to /tmp or a volume instead.
   * @default false
   */
  readonly writableRootFilesystem?: boolean;
  /**
   * User ID to run as, overriding the pod's.
   * @default - the pod's `runAsUser`
   */
  readonly runAsUser?: number;
}

/** A pod volume. Exactly one of `emptyDir`, `configMap`, `secret` is set. */
export interface VolumeArgs {
  /** Volume name, an RFC 1123 label unique in the pod. */
  readonly name: string;
  /** Scratch space that lives as long as the pod. */
  readonly emptyDir?: { readonly medium?: "" | "Memory"; readonly sizeLimit?: string };
  /** Files from a ConfigMap. */
  readonly configMap?: {
    readonly name: pulumi.Input<string>;
    readonly items?: readonly { key: string; path: string }[];
  };
  /** Files from a Secret. */
  readonly secret?: {
    readonly secretName: pulumi.Input<string>;
    readonly items?: readonly { key: string; path: string }[];
  };
}

/** Everything that shapes a pod: its containers, shared volumes and hardening. */
export interface PodSpecArgs {
  /** The containers, main first, then sidecars. At least one. */
  readonly containers: readonly ContainerArgs[];
  /** Volumes shared by the containers. @default - none */
  readonly volumes?: readonly VolumeArgs[];
  /**
   * Mount a writable emptyDir at /tmp in every container, so a read-only root filesystem still
   * has scratch space.
   * @default true
   */
  readonly tmpVolume?: boolean;
  /**
   * Numeric user and group every container runs as (non-root).
   * @default 10001
   */
  readonly runAsUser?: number;
  /** @default - same as `runAsUser` */
  readonly runAsGroup?: number;
  /** Group that owns mounted volumes. @default - same as `runAsGroup` */
  readonly fsGroup?: number;
  /** Service account name. @default - the namespace's default account */
  readonly serviceAccountName?: pulumi.Input<string>;
  /**
   * Mount an API token. Only for pods that talk to the Kubernetes API.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /**
   * Seconds between SIGTERM and SIGKILL. Must exceed every container's preStop sleep.
   * @default 30 (the Kubernetes default)
   */
  readonly terminationGracePeriodSeconds?: number;
  /** Node labels the pod must land on. @default - none */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** Tolerations, passed through. @default - none */
  readonly tolerations?: readonly pulumi.Input<
    import("@pulumi/kubernetes").types.input.core.v1.Toleration
  >[];
  /** Affinity, passed through. @default - none */
  readonly affinity?: pulumi.Input<import("@pulumi/kubernetes").types.input.core.v1.Affinity>;
  /** Topology spread constraints, passed through. @default - none */
  readonly topologySpreadConstraints?: readonly pulumi.Input<
    import("@pulumi/kubernetes").types.input.core.v1.TopologySpreadConstraint
  >[];
}
