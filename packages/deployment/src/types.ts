import type * as pulumi from "@pulumi/pulumi";
import type { ContainerArgs, ProbesArgs, ResourcesArgs } from "@steady/pod";

/** How the Deployment replaces old pods with new ones. @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment */
export interface RolloutArgs {
  /**
   * Pods created above the desired count during a rollout: a count or a percentage ("25%").
   * @default 1
   */
  readonly maxSurge?: number | string;
  /**
   * Pods allowed below the desired count during a rollout. Anything but 0 drops capacity.
   * @default 0
   */
  readonly maxUnavailable?: number | string;
  /**
   * Seconds a new pod must stay Ready before it counts as available, so one that crashes right
   * after turning Ready does not advance the rollout.
   * @default 5
   */
  readonly minReadySeconds?: number;
  /**
   * Seconds without progress before the controller marks the rollout failed. `pulumi up` waits
   * this long plus a margin, then fails, instead of hanging.
   * @default 120
   */
  readonly progressDeadlineSeconds?: number;
}

/** The HorizontalPodAutoscaler. When set, the Deployment has no `spec.replicas`: the autoscaler owns it. */
export interface AutoscalingArgs {
  /** Fewest replicas. */
  readonly minReplicas: number;
  /** Most replicas. */
  readonly maxReplicas: number;
  /**
   * Average CPU utilisation (percent of requests) the autoscaler aims for.
   * @default 70
   */
  readonly targetCPUUtilizationPercentage?: number;
}

/** The PodDisruptionBudget; give exactly one of the two. @see https://kubernetes.io/docs/tasks/run-application/configure-pdb/ */
export interface DisruptionBudgetArgs {
  /** Pods a voluntary disruption (node drain) may take at once. */
  readonly maxUnavailable?: number;
  /** Pods that must stay available; must be below the replica count or drains block forever. */
  readonly minAvailable?: number;
}

/** Soft spreading of pods over zones and nodes. @see https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/ */
export interface TopologySpreadArgs {
  /**
   * Spread over `topology.kubernetes.io/zone`.
   * @default true
   */
  readonly zones?: boolean;
  /**
   * Spread over `kubernetes.io/hostname`.
   * @default true
   */
  readonly nodes?: boolean;
  /**
   * Largest allowed difference in pod count between two domains.
   * @default 1
   */
  readonly maxSkew?: number;
}

/**
 * A canary: a second Deployment of the app with another image, behind the same Service, so a
 * share of the traffic reaches the new version while the stable Deployment keeps its pods.
 * The share is a replica ratio: kube-proxy spreads connections evenly over Ready endpoints, so
 * `c` canary pods next to `n` stable ones take about `c / (n + c)` of new connections. Give
 * `replicas` or `weightPercent`, not both. With `autoscaling`, the weight is taken against its
 * `minReplicas`; the autoscaler scales only the stable Deployment, so the canary's share shrinks
 * as it adds pods.
 * See the package README, "Canary", for the weights each replica count can give.
 */
export interface CanaryArgs {
  /** The canary's image (the version under test). */
  readonly image: pulumi.Input<string>;
  /**
   * The canary's version label and `VERSION`.
   * @default - the stable version
   */
  readonly version?: string;
  /**
   * Canary pods, 0 included (0 keeps the canary Deployment with no pods: an aborted or idle
   * canary, stable untouched).
   * @default - from weightPercent
   */
  readonly replicas?: number;
  /**
   * Wanted share of the traffic in percent (1 to 99): the canary runs the pod count (at least 1)
   * whose share `c / (replicas + c)` is nearest to it, on top of the stable `replicas`, which
   * never change.
   * @default - from replicas
   */
  readonly weightPercent?: number;
  /**
   * Environment of the canary's main container, over the stable `env` (a key given here wins).
   * @default - the stable env
   */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
}

/** Arguments of an {@link AppDeployment}. */
export interface AppDeploymentArgs {
  /** Namespace the app's objects live in (for example `Cluster.namespaceName`). */
  readonly namespace: pulumi.Input<string>;
  /** The main container's image. */
  readonly image: pulumi.Input<string>;
  /**
   * The app's version: a template label (`app.kubernetes.io/version`) and the `VERSION`
   * environment variable. Never part of the selector, so a new version is an update.
   * @default - no version label
   */
  readonly version?: string;
  /**
   * Value of `app.kubernetes.io/name`, a selector label. Frozen once deployed: changing it
   * replaces the Deployment.
   * @default - the component name
   */
  readonly appName?: string;
  /**
   * Value of `app.kubernetes.io/instance`, a selector label. Frozen once deployed.
   * @default - the component name
   */
  readonly instance?: string;
  /**
   * Pods to run. Ignored when `autoscaling` is set.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Port the main container listens on.
   * @default 8080
   */
  readonly containerPort?: number;
  /**
   * Port the ClusterIP Service exposes (to `containerPort`).
   * @default 80
   */
  readonly servicePort?: number;
  /** Environment variables of the main container. @default - none besides VERSION, DRAIN_SECONDS and the pod's name/namespace */
  readonly env?: Readonly<Record<string, pulumi.Input<string>>>;
  /** Entrypoint override of the main container. @default - the image's */
  readonly command?: readonly pulumi.Input<string>[];
  /** Arguments of the main container. @default - the image's */
  readonly args?: readonly pulumi.Input<string>[];
  /** Requests and limits of the main container. @default { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } } */
  readonly resources?: ResourcesArgs;
  /** Probes of the main container. @default - readiness GET /readyz, liveness and startup GET /healthz on the app port */
  readonly probes?: ProbesArgs;
  /** Extra containers (log shippers, proxies), hardened like the main one. @default - none */
  readonly sidecars?: readonly ContainerArgs[];
  /** Rollout strategy and deadlines. @default - see {@link RolloutArgs} */
  readonly rollout?: RolloutArgs;
  /**
   * Seconds the preStop hook sleeps before SIGTERM, so endpoint removal reaches kube-proxy and
   * load balancers while the pod still serves.
   * @default 5
   */
  readonly preStopSleepSeconds?: number;
  /**
   * Seconds the app needs after SIGTERM to finish in-flight requests; passed as `DRAIN_SECONDS`.
   * @default 10
   */
  readonly drainSeconds?: number;
  /**
   * Seconds from the start of termination to SIGKILL. Must exceed preStop sleep + drain.
   * @default - preStopSleepSeconds + drainSeconds + 5
   */
  readonly terminationGracePeriodSeconds?: number;
  /** Run a HorizontalPodAutoscaler. @default - no autoscaler; `replicas` pods */
  readonly autoscaling?: AutoscalingArgs;
  /** The PodDisruptionBudget, or `false` for none. @default { maxUnavailable: 1 } */
  readonly disruptionBudget?: DisruptionBudgetArgs | false;
  /** Topology spread, or `false` for none. @default { zones: true, nodes: true, maxSkew: 1 } */
  readonly topologySpread?: TopologySpreadArgs | false;
  /**
   * App config, written to an immutable ConfigMap whose content hash is in the pod template: a
   * change rolls out new pods with the new config, and a rollback finds its old config.
   * Mounted at `configMountPath`; the main container gets `CONFIG_FILE` pointing at it.
   * @default - no config
   */
  readonly config?: Readonly<Record<string, unknown>>;
  /**
   * Directory the config is mounted at.
   * @default "/etc/app"
   */
  readonly configMountPath?: string;
  /** Extra labels on every object (never in selectors). @default - none */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * Extra labels on the pod template only (never in selectors), e.g. for admission webhooks or
   * simulators that act on pod labels.
   * @default - none
   */
  readonly podLabels?: Readonly<Record<string, string>>;
  /** Extra pod template annotations. @default - none */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /** Node labels the pods must land on (e.g. to pick a node pool). @default - none */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /**
   * Taints the pods tolerate, e.g. to run on a dedicated node pool together with
   * {@link nodeSelector}. Passed through to the pod spec; operators and effects are checked.
   * @default - none
   */
  readonly tolerations?: readonly pulumi.Input<
    import("@pulumi/kubernetes").types.input.core.v1.Toleration
  >[];
  /**
   * Seconds the pods stay on a node that stopped reporting or is NotReady before they are
   * evicted and replaced on healthy nodes: the `tolerationSeconds` of `NoExecute` tolerations for
   * `node.kubernetes.io/unreachable` and `node.kubernetes.io/not-ready`. A toleration given in
   * {@link tolerations} (as plain values) for one of these keys replaces the default for that key.
   * Pods are replaced about node-monitor-grace-period (50 s) + this + a start-up after the node
   * stops reporting.
   * @default 30
   * @see https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
   */
  readonly nodeLossTolerationSeconds?: number;
  /**
   * Run a canary Deployment next to the stable one (see {@link CanaryArgs}). Turning it on or off
   * leaves the stable Deployment, Service and budget as they are.
   * @default - no canary
   */
  readonly canary?: CanaryArgs;
  /**
   * ReplicaSets kept for rollback.
   * @default 5
   */
  readonly revisionHistoryLimit?: number;
}
