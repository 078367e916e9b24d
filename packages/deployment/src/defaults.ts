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
  configMountPath: "/etc/app",
  configFileName: "config.json",
} as const;

/** Label keys used for selection; they never change for the life of a Deployment. */
export const SELECTOR_LABEL_KEYS = [
  "app.kubernetes.io/name",
  "app.kubernetes.io/instance",
] as const;
