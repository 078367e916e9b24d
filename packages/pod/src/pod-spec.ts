import type * as k8s from "@pulumi/kubernetes";
import { POD_DEFAULTS, hasTmpVolume, preStopSleepOf, protocolOf } from "./defaults";
import { effectiveResources } from "./resources";
import type { ContainerArgs, PodSpecArgs, ProbeArgs, VolumeArgs } from "./types";
import { validatePodSpecArgs } from "./validate";

type PodSpec = k8s.types.input.core.v1.PodSpec;
type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;
type Volume = k8s.types.input.core.v1.Volume;

type ProbeKind = "readiness" | "liveness" | "startup";
const DEFAULT_PATH: Record<ProbeKind, string> = {
  readiness: POD_DEFAULTS.readinessPath,
  liveness: POD_DEFAULTS.livenessPath,
  startup: POD_DEFAULTS.startupPath,
};

function buildProbe(
  kind: ProbeKind,
  probe: ProbeArgs | false | undefined,
  c: ContainerArgs,
): Probe | undefined {
  if (probe === false) return undefined;
  const firstPort = c.ports?.[0]?.name;
  const p: ProbeArgs = probe ?? {};
  const hasHandler = p.httpGet !== undefined || p.tcpSocket !== undefined || p.exec !== undefined;
  // No port and no explicit handler: nothing to probe (e.g. a log-shipping sidecar).
  if (!hasHandler && firstPort === undefined) return undefined;
  const d = POD_DEFAULTS[kind];
  const handler: Probe = p.exec
    ? { exec: { command: [...p.exec.command] } }
    : p.tcpSocket
      ? { tcpSocket: { port: p.tcpSocket.port ?? firstPort! } }
      : {
          httpGet: {
            path: p.httpGet?.path ?? DEFAULT_PATH[kind],
            port: p.httpGet?.port ?? firstPort!,
          },
        };
  return {
    ...handler,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds ?? d.periodSeconds,
    timeoutSeconds: p.timeoutSeconds ?? d.timeoutSeconds,
    failureThreshold: p.failureThreshold ?? d.failureThreshold,
    successThreshold: p.successThreshold ?? d.successThreshold,
  };
}

function volumeIsReadOnlyByDefault(v: VolumeArgs | undefined): boolean {
  return v?.configMap !== undefined || v?.secret !== undefined;
}

/** Builds one hardened container from its args (args already validated). */
export function buildContainer(c: ContainerArgs, pod: PodSpecArgs): Container {
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  const mounts = (c.volumeMounts ?? []).map((m) => ({
    name: m.volume,
    mountPath: m.mountPath,
    readOnly: m.readOnly ?? volumeIsReadOnlyByDefault(volumes.get(m.volume)),
    ...(m.subPath !== undefined ? { subPath: m.subPath } : {}),
  }));
  if (hasTmpVolume(pod)) {
    mounts.push({
      name: POD_DEFAULTS.tmpVolumeName,
      mountPath: POD_DEFAULTS.tmpMountPath,
      readOnly: false,
    });
  }
  const { requests, limits } = effectiveResources(c.resources);
  const byName = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);
  const env: k8s.types.input.core.v1.EnvVar[] = [
    ...Object.entries(c.env ?? {})
      .sort(byName)
      .map(([name, value]) => ({ name, value })),
    ...Object.entries(c.envFromFields ?? {})
      .sort(byName)
      .map(([name, fieldPath]) => ({ name, valueFrom: { fieldRef: { fieldPath } } })),
  ];
  const sleep = preStopSleepOf(c);
  const container: Container = {
    name: c.name,
    image: c.image,
    imagePullPolicy: c.imagePullPolicy ?? POD_DEFAULTS.imagePullPolicy,
    ports: (c.ports ?? []).map((p) => ({
      name: p.name,
      containerPort: p.containerPort,
      protocol: protocolOf(p),
    })),
    env,
    resources: { requests, limits },
    volumeMounts: mounts,
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: !(c.writableRootFilesystem ?? false),
      runAsNonRoot: true,
      ...(c.runAsUser !== undefined ? { runAsUser: c.runAsUser } : {}),
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
  };
  if (c.command) container.command = [...c.command];
  if (c.args) container.args = [...c.args];
  const readiness = buildProbe("readiness", c.probes?.readiness, c);
  const liveness = buildProbe("liveness", c.probes?.liveness, c);
  const startup = buildProbe("startup", c.probes?.startup, c);
  if (readiness) container.readinessProbe = readiness;
  if (liveness) container.livenessProbe = liveness;
  if (startup) container.startupProbe = startup;
  if (sleep > 0) container.lifecycle = { preStop: { sleep: { seconds: sleep } } };
  return container;
}

function buildVolume(v: VolumeArgs): Volume {
  if (v.configMap) {
    return {
      name: v.name,
      configMap: {
        name: v.configMap.name,
        ...(v.configMap.items ? { items: [...v.configMap.items] } : {}),
      },
    };
  }
  if (v.secret) {
    return {
      name: v.name,
      secret: {
        secretName: v.secret.secretName,
        ...(v.secret.items ? { items: [...v.secret.items] } : {}),
      },
    };
  }
  return { name: v.name, emptyDir: { ...v.emptyDir } };
}

/**
 * Builds a hardened pod spec from plain args: non-root, no privilege escalation, every capability
 * dropped, seccomp RuntimeDefault, read-only root filesystem with a writable /tmp, no API token,
 * requests on every container and a memory limit, and readiness, liveness and startup probes on
 * every container that serves a port.
 *
 * Pure: returns Kubernetes input types and registers nothing. Throws one `ArgsValidationError`
 * listing every problem when the args are invalid.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function buildPodSpec(args: PodSpecArgs, subject = "pod spec"): PodSpec {
  validatePodSpecArgs(args).throwIfAny(subject);
  return buildPodSpecUnchecked(args);
}

/** {@link buildPodSpec} without validation, for callers that validated the args already. */
export function buildPodSpecUnchecked(args: PodSpecArgs): PodSpec {
  const runAsUser = args.runAsUser ?? POD_DEFAULTS.runAsUser;
  const runAsGroup = args.runAsGroup ?? runAsUser;
  const volumes = (args.volumes ?? []).map(buildVolume);
  if (hasTmpVolume(args)) volumes.push({ name: POD_DEFAULTS.tmpVolumeName, emptyDir: {} });
  const spec: PodSpec = {
    automountServiceAccountToken:
      args.automountServiceAccountToken ?? POD_DEFAULTS.automountServiceAccountToken,
    securityContext: {
      runAsNonRoot: true,
      runAsUser,
      runAsGroup,
      fsGroup: args.fsGroup ?? runAsGroup,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: args.containers.map((c) => buildContainer(c, args)),
    volumes,
  };
  if (args.serviceAccountName !== undefined) spec.serviceAccountName = args.serviceAccountName;
  if (args.terminationGracePeriodSeconds !== undefined)
    spec.terminationGracePeriodSeconds = args.terminationGracePeriodSeconds;
  if (args.nodeSelector) spec.nodeSelector = { ...args.nodeSelector };
  if (args.tolerations) spec.tolerations = [...args.tolerations];
  if (args.affinity) spec.affinity = args.affinity;
  if (args.topologySpreadConstraints)
    spec.topologySpreadConstraints = [...args.topologySpreadConstraints];
  return spec;
}
