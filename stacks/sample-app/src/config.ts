import { parseStackConfig, type ParsedConfig } from "@steady/core";

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
    pattern: /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
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
    pattern: /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/,
    patternHint: 'a label value such as "v1.2.3"',
  },
  greeting: { type: "string" },
  replicas: { type: "integer", min: 1, max: 1000 },
  minReplicas: { type: "integer", min: 1, max: 1000 },
  maxReplicas: { type: "integer", min: 1, max: 1000 },
  targetCpuUtilization: { type: "integer", min: 1, max: 1000 },
  disruptionBudget: { type: "boolean" },
  topologySpread: { type: "boolean" },
  maxSurge: { type: "intOrPercent" },
  minReadySeconds: { type: "integer", min: 0, max: 3600 },
  progressDeadlineSeconds: { type: "integer", min: 1, max: 86400 },
  preStopSleepSeconds: { type: "integer", min: 0, max: 3600 },
  drainSeconds: { type: "integer", min: 0, max: 3600 },
  kubeconfig: { type: "string", secret: true },
  context: { type: "string" },
} as const;

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
  problems.throwIfAny(`Stack config of ${PROJECT}`);
  return values;
}
