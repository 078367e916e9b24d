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

/**
 * Seconds Kubernetes gives a pod from termination to SIGKILL when the spec sets none; the pod
 * builder leaves the field unset then, so the checks compare against this.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export const KUBERNETES_GRACE_PERIOD_SECONDS = 30;

/** Whether the pod gets the writable /tmp volume: the one place `tmpVolume`'s default applies. */
export function hasTmpVolume(args: { readonly tmpVolume?: boolean }): boolean {
  return args.tmpVolume ?? POD_DEFAULTS.tmpVolume;
}

/** A container's preStop sleep: the one place `preStopSleepSeconds`' default applies. */
export function preStopSleepOf(c: { readonly preStopSleepSeconds?: number }): number {
  return c.preStopSleepSeconds ?? POD_DEFAULTS.preStopSleepSeconds;
}

/** A port's protocol: the one place its default (`TCP`, as in Kubernetes) applies. */
export function protocolOf(p: { readonly protocol?: "TCP" | "UDP" | "SCTP" }): string {
  return p.protocol ?? "TCP";
}
