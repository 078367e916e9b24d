/**
 * Defaults of {@link AppDeploymentArgs}, in one place. Each one is a rollout-safety choice; see
 * the package README for why.
 */
export const APP_DEFAULTS = {
  replicas: 2,
  containerPort: 8080,
  portName: "http",
  servicePort: 80,
  maxSurge: 1,
  maxUnavailable: 0,
  minReadySeconds: 5,
  progressDeadlineSeconds: 120,
  /** Extra seconds the Pulumi wait allows beyond progressDeadlineSeconds, so the controller reports first. */
  awaitMarginSeconds: 30,
  preStopSleepSeconds: 5,
  drainSeconds: 10,
  /** Slack between the app's drain budget and SIGKILL. */
  terminationSlackSeconds: 5,
  revisionHistoryLimit: 5,
  disruptionBudget: { maxUnavailable: 1 },
  autoscaling: { targetCPUUtilizationPercentage: 70 },
  topologySpread: { zones: true, nodes: true, maxSkew: 1 },
  /**
   * Seconds pods stay bound to a node that stopped reporting (taint `node.kubernetes.io/unreachable`)
   * or reports NotReady (`node.kubernetes.io/not-ready`) before they are evicted and replaced. The
   * cluster default (DefaultTolerationSeconds admission) is 300 s, made for pods that are costly
   * to move; a stateless replica is cheap to replace, and the node lifecycle controller has
   * already waited its node-monitor-grace-period (50 s in Kubernetes 1.34) before it taints the
   * node, so a short network blip never reaches this clock. See this package's README, "Node loss".
   */
  nodeLossTolerationSeconds: 30,
  configMountPath: "/etc/app",
  configFileName: "config.json",
} as const;

/** Label keys used for selection; they never change for the life of a Deployment. */
export const SELECTOR_LABEL_KEYS = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
] as const;

/**
 * Label on canary pods (value {@link CANARY_TRACK}) and in the canary Deployment's selector. The
 * stable pods do not carry it, so turning a canary on changes nothing about them; they are the
 * app's pods without it (`steady.dev/track!=canary`).
 */
export const TRACK_LABEL = "steady.dev/track";
/** Value of {@link TRACK_LABEL} on canary pods. */
export const CANARY_TRACK = "canary";
/** Annotation on the canary Deployment: the share of pods it runs, in percent (rounded). */
export const CANARY_WEIGHT_ANNOTATION = "steady.dev/canary-weight-percent";
