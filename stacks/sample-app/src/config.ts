import { isDns1123Label, isLabelValue, parseStackConfig, type ParsedConfig } from "@steady/core";
import { APP_LIMITS } from "@steady/deployment";

/** The project name in Pulumi.yaml; config keys are `steady-app:<key>`. */
export const PROJECT = "steady-app";

const IMAGE = /^[a-z0-9]+([._/:@-][a-zA-Z0-9_.-]+)*$/;

/** Every config key of the sample-app stack, with its type and valid range. */
export const APP_CONFIG = {
  platformStack: {
    type: "string",
    pattern: /^[^/\s]+\/[^/\s]+\/[^/\s]+$/,
    patternHint: 'a stack reference "<organization>/<project>/<stack>"',
  },
  namespace: {
    type: "string",
    valid: isDns1123Label,
    patternHint: "an RFC 1123 label",
  },
  image: {
    type: "string",
    required: true,
    pattern: IMAGE,
    patternHint: 'an image reference such as "registry.example.com/hello:1.0.0"',
  },
  version: {
    type: "string",
    required: true,
    // The component's rule for the version label ("" never gets here: it means unset).
    valid: isLabelValue,
    patternHint: 'a label value such as "v1.2.3"',
  },
  greeting: { type: "string" },
  // This stack caps the pod count at 1000, below the component's 10000: a sample app never
  // needs more, and a typo such as 5000 should stop here rather than exhaust the quota.
  replicas: { type: "integer", min: 1, max: 1000 },
  minReplicas: { type: "integer", min: 1, max: 1000 },
  maxReplicas: { type: "integer", min: 1, max: 1000 },
  targetCpuUtilization: { type: "integer", ...APP_LIMITS.targetCPUUtilizationPercentage },
  disruptionBudget: { type: "boolean" },
  topologySpread: { type: "boolean" },
  maxSurge: { type: "intOrPercent" },
  minReadySeconds: { type: "integer", ...APP_LIMITS.minReadySeconds },
  progressDeadlineSeconds: { type: "integer", ...APP_LIMITS.progressDeadlineSeconds },
  preStopSleepSeconds: { type: "integer", ...APP_LIMITS.preStopSleepSeconds },
  drainSeconds: { type: "integer", ...APP_LIMITS.drainSeconds },
  // How long a pod stays bound to a NotReady/unreachable node before it is evicted and replaced
  // (the component's default when unset); the node-loss drill shortens it to measure recovery.
  nodeLossTolerationSeconds: { type: "integer", ...APP_LIMITS.nodeLossTolerationSeconds },
  nodeSelector: {
    type: "string",
    pattern: /^[^=,\s]+=[^=,\s]*(,[^=,\s]+=[^=,\s]*)*$/,
    patternHint: 'node labels "key=value[,key=value...]", e.g. "steady.dev/node-kind=real"',
  },
  tolerations: {
    type: "string",
    pattern: /^[^=:,\s]+(=[^=:,\s]*)?(:[A-Za-z]+)?(,[^=:,\s]+(=[^=:,\s]*)?(:[A-Za-z]+)?)*$/,
    patternHint:
      'taints to tolerate "key[=value][:Effect][,...]", e.g. "steady.dev/real-node=true:NoSchedule"',
  },
  // Canary mode (see @steady/deployment, "Canary"): set canaryImage and one of canaryReplicas or
  // canaryWeightPercent. steady-deploy's canary steps change these with `--config`.
  canaryImage: {
    type: "string",
    pattern: IMAGE,
    patternHint: 'an image reference such as "registry.example.com/hello:1.1.0"',
  },
  canaryVersion: {
    type: "string",
    valid: isLabelValue,
    patternHint: 'a label value such as "v1.2.4"',
  },
  canaryReplicas: { type: "integer", min: 0, max: 1000 },
  canaryWeightPercent: { type: "integer", ...APP_LIMITS.canaryWeightPercent },
  /** HELLO_FAILURE_RATIO of the canary pods: a test knob that stages a bad version. */
  canaryFailureRatio: {
    type: "string",
    pattern: /^(0(\.[0-9]{1,3})?|1(\.0{1,3})?)$/,
    patternHint: "a decimal from 0 to 1 with at most 3 decimal places",
  },
  kubeconfig: { type: "string", secret: true },
  context: { type: "string" },
} as const;

/** `"a=1,b=2"` as `{ a: "1", b: "2" }`: the nodeSelector setting (already checked by its pattern). */
export function parseNodeSelector(text: string): Record<string, string> {
  return Object.fromEntries(
    text.split(",").map((pair) => {
      const i = pair.indexOf("=");
      return [pair.slice(0, i), pair.slice(i + 1)];
    }),
  );
}

/** One toleration as parsed from the tolerations setting. */
export interface TolerationSetting {
  key: string;
  operator: "Equal" | "Exists";
  value?: string;
  effect?: string;
}

/**
 * `"key=value:Effect,key2:Effect"` as tolerations: `key=value` tolerates that taint value
 * (`Equal`), a bare `key` any value (`Exists`); without `:Effect`, every effect. Effect names are
 * checked by the component.
 */
export function parseTolerations(text: string): TolerationSetting[] {
  return text.split(",").map((item) => {
    const [taint, effect] = item.split(":") as [string, string | undefined];
    const eq = taint.indexOf("=");
    const base =
      eq < 0
        ? { key: taint, operator: "Exists" as const }
        : { key: taint.slice(0, eq), operator: "Equal" as const, value: taint.slice(eq + 1) };
    return effect !== undefined ? { ...base, effect } : base;
  });
}

/** The sample-app stack's settings, parsed. */
export type AppConfig = ParsedConfig<typeof APP_CONFIG>;

/** Parses the stack's raw config; throws one error listing every problem. */
export function parseAppConfig(raw: Readonly<Record<string, string>>): AppConfig {
  const { values, problems } = parseStackConfig(PROJECT, raw, APP_CONFIG);
  const p = `${PROJECT}:`;
  if (
    values.platformStack === undefined &&
    values.namespace === undefined &&
    !problems.list.some((x) => x.propertyPath === `${p}platformStack`)
  ) {
    problems.add(
      `${p}namespace`,
      "is required when platformStack is not set: name the namespace to deploy into, or the platform stack that made it",
    );
  }
  if (values.minReplicas !== undefined && values.maxReplicas === undefined) {
    problems.add(
      `${p}maxReplicas`,
      "is required when minReplicas is set (setting maxReplicas turns the autoscaler on)",
    );
  }
  if (values.replicas !== undefined && values.maxReplicas !== undefined) {
    problems.add(
      `${p}replicas`,
      "cannot be set together with maxReplicas: the autoscaler owns the replica count",
    );
  }
  if (values.canaryImage === undefined) {
    for (const key of [
      "canaryVersion",
      "canaryReplicas",
      "canaryWeightPercent",
      "canaryFailureRatio",
    ] as const) {
      if (values[key] !== undefined) {
        problems.add(`${p}${key}`, "needs canaryImage: name the image of the version under test");
      }
    }
  }
  problems.throwIfAny(`Stack config of ${PROJECT}`);
  return values;
}
