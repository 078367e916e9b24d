import { isDns1123Label, isLabelValue, parseStackConfig, type ParsedConfig } from "@steady/core";

/** The bench program's project name; config keys are `steady-bench:<key>`. */
export const BENCH_PROJECT = "steady-bench";

/** Every config key of the bench program. */
export const BENCH_CONFIG = {
  apps: { type: "integer", required: true, min: 1, max: 1000 },
  namespace: {
    type: "string",
    required: true,
    valid: isDns1123Label,
    patternHint: "an RFC 1123 label",
  },
  version: {
    type: "string",
    required: true,
    valid: isLabelValue,
    patternHint: 'a label value such as "v1"',
  },
  replicas: { type: "integer", min: 1, max: 1000 },
  minReadySeconds: { type: "integer", min: 0, max: 3600 },
  /** Register the same objects as plain resources, without the component: the SDK's share of the cost. */
  plain: { type: "boolean" },
} as const;

/** The bench program's settings, parsed. */
export type BenchConfig = ParsedConfig<typeof BENCH_CONFIG>;

/** Parses the program's raw config; throws one error listing every problem. */
export function parseBenchConfig(raw: Readonly<Record<string, string>>): BenchConfig {
  const { values, problems } = parseStackConfig(BENCH_PROJECT, raw, BENCH_CONFIG);
  problems.throwIfAny(`Stack config of ${BENCH_PROJECT}`);
  return values;
}
