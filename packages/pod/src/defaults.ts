/** Defaults of the pod spec builder, in one place; JSDoc on the args points here. */
export const POD_DEFAULTS = {
  runAsUser: 10001,
  tmpVolume: true,
  tmpVolumeName: "tmp",
  tmpMountPath: "/tmp",
  automountServiceAccountToken: false,
  imagePullPolicy: "IfNotPresent",
  requests: { cpu: "50m", memory: "64Mi" },
  limits: { memory: "128Mi" },
  readinessPath: "/readyz",
  livenessPath: "/healthz",
  startupPath: "/healthz",
  readiness: { periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
  liveness: { periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3, successThreshold: 1 },
  startup: { periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60, successThreshold: 1 },
  preStopSleepSeconds: 0,
} as const;
