/**
 * The ranges {@link AppDeploymentArgs} numbers must fall in, in one place: the component checks
 * them, and a stack config schema spreads them into its integer fields (`{ type: "integer",
 * ...APP_LIMITS.drainSeconds }`) instead of restating them.
 */
export const APP_LIMITS = {
  replicas: { min: 1, max: 10000 },
  containerPort: { min: 1, max: 65535 },
  servicePort: { min: 1, max: 65535 },
  revisionHistoryLimit: { min: 0, max: 1000 },
  /** A day: longer keeps a replica on a dead node for longer than any on-call would accept. */
  nodeLossTolerationSeconds: { min: 0, max: 86400 },
  minReadySeconds: { min: 0, max: 3600 },
  progressDeadlineSeconds: { min: 1, max: 86400 },
  preStopSleepSeconds: { min: 0, max: 3600 },
  drainSeconds: { min: 0, max: 3600 },
  terminationGracePeriodSeconds: { min: 0, max: 86400 },
  autoscalerReplicas: { min: 1, max: 10000 },
  targetCPUUtilizationPercentage: { min: 1, max: 1000 },
  disruptionBudgetMaxUnavailable: { min: 1, max: 10000 },
  disruptionBudgetMinAvailable: { min: 0, max: 10000 },
  maxSkew: { min: 1, max: 100 },
  canaryReplicas: { min: 0, max: 10000 },
  /** 100 would be a promotion, not a canary: set `image` instead. */
  canaryWeightPercent: { min: 1, max: 99 },
} as const;
