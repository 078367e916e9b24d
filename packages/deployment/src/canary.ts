import type * as pulumi from "@pulumi/pulumi";
import { checkIntRange, isLabelValue, type Problems } from "@steady/core";
import { CANARY_TRACK, TRACK_LABEL } from "./defaults";
import { APP_LIMITS } from "./limits";
import type { ResolvedAppDeployment } from "./resolve";
import type { AppDeploymentArgs } from "./types";

/** The canary with its pod count and labels worked out; see {@link resolveCanary}. */
export interface ResolvedCanary {
  readonly image: pulumi.Input<string>;
  readonly version: string | undefined;
  /** Canary pods, on top of the stable replicas. */
  readonly replicas: number;
  /** The share of pods the canary runs, `replicas / (stable + replicas)`, in percent, rounded. */
  readonly weightPercent: number;
  readonly env: Readonly<Record<string, pulumi.Input<string>>> | undefined;
}

/**
 * Canary pods for a wanted weight `w` next to `stable` pods: the count whose share
 * `c / (stable + c)` is nearest to `w`, at least 1 so a canary always gets some traffic.
 */
export function canaryReplicasFor(stable: number, weightPercent: number): number {
  // c / (stable + c) = w is solved by c = stable * w / (100 - w); the share is not linear in c,
  // so rounding c can pick the farther neighbour (5 stable pods, 41 %: 3.47 rounds to 3 pods,
  // 37.5 %, where 4 pods, 44.4 %, are nearer). Both neighbours are compared instead.
  const exact = (stable * weightPercent) / (100 - weightPercent);
  const low = Math.max(1, Math.floor(exact));
  const high = Math.max(1, Math.ceil(exact));
  const miss = (c: number) => Math.abs(c / (stable + c) - weightPercent / 100);
  return miss(high) < miss(low) ? high : low;
}

/** The share, in percent rounded to a whole number, that `canary` pods next to `stable` get. */
export function canaryWeightOf(stable: number, canary: number): number {
  return stable + canary === 0 ? 0 : Math.round((100 * canary) / (stable + canary));
}

/**
 * Resolves `args.canary` against the stable replica count (with an autoscaler, its
 * `minReplicas`: the share is then the most the canary gets, and shrinks as the autoscaler
 * adds stable pods; it never scales the canary): the one place the canary's
 * defaults (version and env from the stable ones, replicas from the weight) are applied.
 * Undefined without a canary. Numbers out of range are checked by {@link checkCanary}.
 */
export function resolveCanary(
  args: AppDeploymentArgs,
  stableReplicas: number | undefined,
): ResolvedCanary | undefined {
  const c = args.canary;
  if (c === undefined) return undefined;
  const stable = stableReplicas ?? 0;
  const w = c.weightPercent;
  const replicas =
    c.replicas ?? (w !== undefined && w > 0 && w < 100 ? canaryReplicasFor(stable, w) : 0);
  return {
    image: c.image,
    version: c.version ?? args.version,
    replicas,
    weightPercent: canaryWeightOf(stable, replicas),
    env: c.env === undefined ? args.env : { ...args.env, ...c.env },
  };
}

/** Every problem with `args.canary`, each under its own input path. */
export function checkCanary(problems: Problems, args: AppDeploymentArgs): void {
  const c = args.canary;
  if (c === undefined) return;
  problems.check(
    c.image !== undefined && c.image !== "",
    "canary.image",
    "is required: the image of the version under test",
  );
  const given = [c.replicas, c.weightPercent].filter((v) => v !== undefined).length;
  problems.check(
    given === 1,
    "canary",
    `set exactly one of replicas (canary pods, 0 to ${APP_LIMITS.canaryReplicas.max}) or weightPercent (1 to 99) (found ${given})`,
  );
  checkIntRange(
    problems,
    "canary.replicas",
    c.replicas,
    APP_LIMITS.canaryReplicas.min,
    APP_LIMITS.canaryReplicas.max,
  );
  checkIntRange(
    problems,
    "canary.weightPercent",
    c.weightPercent,
    APP_LIMITS.canaryWeightPercent.min,
    APP_LIMITS.canaryWeightPercent.max,
  );
  if (c.version !== undefined) {
    problems.check(
      c.version.length > 0 && isLabelValue(c.version),
      "canary.version",
      `${JSON.stringify(c.version)} cannot be a label value: expected 1 to 63 alphanumerics, with "-", "_" or "." inside (e.g. "v1.2.4")`,
    );
  }
}

/**
 * The app as the canary Deployment sees it: the canary's image, version, env and pod count,
 * and the track label on its selector and pod template. Everything else (probes, drain,
 * budget-relevant rollout settings, spread, config) is the stable one's, so every
 * zero-downtime default applies to both Deployments.
 */
export function canaryView(
  app: ResolvedAppDeployment,
  canary: ResolvedCanary,
): ResolvedAppDeployment {
  const track = { [TRACK_LABEL]: CANARY_TRACK };
  const version = canary.version;
  const templateLabels: Record<string, string> = { ...app.templateLabels, ...track };
  if (version !== undefined) templateLabels["app.kubernetes.io/version"] = version;
  else delete templateLabels["app.kubernetes.io/version"];
  return {
    ...app,
    image: canary.image,
    version,
    env: canary.env,
    replicas: canary.replicas,
    selector: { ...app.selector, ...track },
    labels: { ...app.labels, ...track },
    templateLabels,
    canary: undefined,
  };
}
