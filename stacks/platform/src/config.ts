import { isDns1123Label, parseStackConfig, type ParsedConfig } from "@steady/core";

/** The project name in Pulumi.yaml; config keys are `steady-platform:<key>`. */
export const PROJECT = "steady-platform";

/** Every config key of the platform stack, with its type and valid range. */
export const PLATFORM_CONFIG = {
  environment: {
    type: "string",
    required: true,
    pattern: /^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/,
    patternHint: 'a short lowercase name such as "dev"',
  },
  namespace: {
    type: "string",
    required: true,
    valid: isDns1123Label,
    patternHint: 'an RFC 1123 label (lowercase alphanumerics and "-", at most 63)',
  },
  quota: { type: "enum", values: ["small", "medium", "large", "none"] },
  podSecurity: { type: "enum", values: ["restricted", "baseline", "privileged"] },
  networkPolicy: { type: "boolean" },
  simulatedNodes: { type: "integer", min: 0, max: 100 },
  zones: {
    type: "string",
    pattern: /^[a-z0-9-]+(,[a-z0-9-]+)*$/,
    patternHint: 'comma-separated zone names such as "zone-a,zone-b,zone-c"',
  },
  kubeconfig: { type: "string", secret: true },
  context: { type: "string" },
} as const;

/** The platform stack's settings, parsed. */
export type PlatformConfig = ParsedConfig<typeof PLATFORM_CONFIG>;

/** Parses the stack's raw config; throws one error listing every problem. */
export function parsePlatformConfig(raw: Readonly<Record<string, string>>): PlatformConfig {
  const { values, problems } = parseStackConfig(PROJECT, raw, PLATFORM_CONFIG);
  problems.throwIfAny(`Stack config of ${PROJECT}`);
  return values;
}
