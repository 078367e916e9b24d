import { Problems, checkIntRange, checkLabels, isLabelValue } from "@steady/core";
import { validatePodSpecArgs } from "@steady/pod";
import { checkCanary } from "./canary";
import { APP_LIMITS } from "./limits";
import { appPodSpecArgs } from "./pod-args";
import type { ResolvedAppDeployment } from "./resolve";
import type { AppDeploymentArgs } from "./types";

const PERCENT = /^([0-9]|[1-9][0-9]|100)%$/;
const LABEL_HINT = 'expected at most 63 alphanumerics, with "-", "_" or "." inside';

/** Records a problem unless `n` is undefined or within the {@link APP_LIMITS} range `limit`. */
function checkLimit(
  problems: Problems,
  path: string,
  n: number | undefined,
  limit: { readonly min: number; readonly max: number },
): void {
  checkIntRange(problems, path, n, limit.min, limit.max);
}

/** Whether `config` can be stored as the app's config file: a plain JSON object. */
export function isPlainJsonObject(config: unknown): boolean {
  try {
    JSON.stringify(config);
  } catch {
    return false;
  }
  return typeof config === "object" && config !== null && !Array.isArray(config);
}

/** Checks a surge/unavailable value; returns whether it is a valid zero. */
function checkIntOrPercent(problems: Problems, path: string, v: number | string): boolean {
  if (typeof v === "number") {
    const ok = Number.isInteger(v) && v >= 0;
    problems.check(
      ok,
      path,
      `${JSON.stringify(v)} is not valid: expected a whole number of pods (0 or more) or a percentage like "25%"`,
    );
    return ok && v === 0;
  }
  const ok = PERCENT.test(v);
  problems.check(
    ok,
    path,
    `${JSON.stringify(v)} is not valid: expected a whole number of pods (0 or more) or a percentage from "0%" to "100%"`,
  );
  return ok && v.startsWith("0");
}

/** Namespace, the selector and version labels, and the labels the caller may not set. */
function checkIdentity(problems: Problems, args: AppDeploymentArgs, app: ResolvedAppDeployment) {
  problems.check(
    args.namespace !== undefined && args.namespace !== "",
    "namespace",
    "is required: name the namespace to deploy into",
  );
  const appName = app.selector["app.kubernetes.io/name"]!;
  const instance = app.selector["app.kubernetes.io/instance"]!;
  problems.check(
    appName.length > 0 && isLabelValue(appName),
    args.appName === undefined ? "name" : "appName",
    `${JSON.stringify(appName)} cannot be the app.kubernetes.io/name label: ${LABEL_HINT}`,
  );
  problems.check(
    instance.length > 0 && isLabelValue(instance),
    args.instance === undefined ? "name" : "instance",
    `${JSON.stringify(instance)} cannot be the app.kubernetes.io/instance label: ${LABEL_HINT}`,
  );
  if (args.version !== undefined) {
    problems.check(
      args.version.length > 0 && isLabelValue(args.version),
      "version",
      `${JSON.stringify(args.version)} cannot be a label value: expected 1 to 63 alphanumerics, with "-", "_" or "." inside (e.g. "v1.2.3")`,
    );
  }
  checkLabels(problems, "labels", args.labels);
  checkLabels(problems, "podLabels", args.podLabels);
  for (const k of Object.keys(args.podLabels ?? {})) {
    problems.check(
      !k.startsWith("app.kubernetes.io/") && k !== "pod-template-hash",
      `podLabels.${k}`,
      "is set by the component or the Deployment controller; use appName, instance, version or labels instead",
    );
  }
  for (const k of Object.keys(args.labels ?? {})) {
    problems.check(
      !k.startsWith("app.kubernetes.io/name") &&
        !k.startsWith("app.kubernetes.io/instance") &&
        k !== "app.kubernetes.io/version",
      `labels.${k}`,
      "is set by the component (selector and version labels); use appName, instance or version instead",
    );
  }
}

/** The rollout: surge and unavailable not both 0, a deadline longer than minReadySeconds. */
function checkRollout(problems: Problems, args: AppDeploymentArgs, app: ResolvedAppDeployment) {
  const r = app.rollout;
  const surgeZero = checkIntOrPercent(problems, "rollout.maxSurge", r.maxSurge);
  const unavailableZero = checkIntOrPercent(problems, "rollout.maxUnavailable", r.maxUnavailable);
  if (surgeZero && unavailableZero) {
    problems.add(
      "rollout",
      "maxSurge and maxUnavailable are both 0, so a rollout can never start: set maxSurge to 1 or more (keep maxUnavailable 0 for zero downtime)",
    );
  }
  const given = args.rollout ?? {};
  checkLimit(
    problems,
    "rollout.minReadySeconds",
    given.minReadySeconds,
    APP_LIMITS.minReadySeconds,
  );
  checkLimit(
    problems,
    "rollout.progressDeadlineSeconds",
    given.progressDeadlineSeconds,
    APP_LIMITS.progressDeadlineSeconds,
  );
  problems.check(
    r.progressDeadlineSeconds > r.minReadySeconds,
    "rollout.progressDeadlineSeconds",
    `${r.progressDeadlineSeconds} s must be longer than minReadySeconds (${r.minReadySeconds} s), or every rollout is reported as stalled`,
  );
}

/** Termination: a grace period longer than the preStop sleep plus the drain. */
function checkTermination(problems: Problems, args: AppDeploymentArgs, app: ResolvedAppDeployment) {
  checkLimit(
    problems,
    "preStopSleepSeconds",
    args.preStopSleepSeconds,
    APP_LIMITS.preStopSleepSeconds,
  );
  checkLimit(problems, "drainSeconds", args.drainSeconds, APP_LIMITS.drainSeconds);
  checkLimit(
    problems,
    "terminationGracePeriodSeconds",
    args.terminationGracePeriodSeconds,
    APP_LIMITS.terminationGracePeriodSeconds,
  );
  if (args.terminationGracePeriodSeconds !== undefined) {
    const sleep = app.preStopSleepSeconds;
    const drain = app.drainSeconds;
    problems.check(
      args.terminationGracePeriodSeconds > sleep + drain,
      "terminationGracePeriodSeconds",
      `${args.terminationGracePeriodSeconds} s must be longer than preStopSleepSeconds + drainSeconds (${sleep} + ${drain} = ${sleep + drain} s), or pods are killed mid-drain`,
    );
  }
}

/** The autoscaler's bounds, and a budget that leaves a drain something to evict. */
function checkScaling(problems: Problems, args: AppDeploymentArgs, app: ResolvedAppDeployment) {
  const hpa = args.autoscaling;
  if (hpa) {
    checkLimit(problems, "autoscaling.minReplicas", hpa.minReplicas, APP_LIMITS.autoscalerReplicas);
    checkLimit(problems, "autoscaling.maxReplicas", hpa.maxReplicas, APP_LIMITS.autoscalerReplicas);
    checkLimit(
      problems,
      "autoscaling.targetCPUUtilizationPercentage",
      hpa.targetCPUUtilizationPercentage,
      APP_LIMITS.targetCPUUtilizationPercentage,
    );
    problems.check(
      !(hpa.minReplicas > hpa.maxReplicas),
      "autoscaling",
      `minReplicas (${hpa.minReplicas}) is greater than maxReplicas (${hpa.maxReplicas})`,
    );
  }
  const floor = app.autoscaling ? app.autoscaling.minReplicas : app.replicas!;
  const pdb = app.disruptionBudget;
  if (pdb !== false) {
    const given = [pdb.maxUnavailable, pdb.minAvailable].filter((v) => v !== undefined).length;
    problems.check(
      given === 1,
      "disruptionBudget",
      `set exactly one of maxUnavailable, minAvailable (found ${given})`,
    );
    const { disruptionBudgetMaxUnavailable: maxU, disruptionBudgetMinAvailable: minA } = APP_LIMITS;
    checkLimit(problems, "disruptionBudget.maxUnavailable", pdb.maxUnavailable, maxU);
    checkLimit(problems, "disruptionBudget.minAvailable", pdb.minAvailable, minA);
    if (pdb.minAvailable !== undefined && Number.isInteger(floor)) {
      problems.check(
        pdb.minAvailable < floor,
        "disruptionBudget.minAvailable",
        `${pdb.minAvailable} is not below the ${hpa ? "autoscaler's minReplicas" : "replica count"} (${floor}): no pod could ever be evicted and node drains would block; use maxUnavailable: 1`,
      );
    }
  }
  if (args.topologySpread)
    checkLimit(problems, "topologySpread.maxSkew", args.topologySpread.maxSkew, APP_LIMITS.maxSkew);
}

/** The config: where it is mounted and that it is a plain JSON object. */
function checkConfig(problems: Problems, args: AppDeploymentArgs, app: ResolvedAppDeployment) {
  const mount = app.configMountPath;
  problems.check(
    mount.startsWith("/") && mount !== "/",
    "configMountPath",
    `${JSON.stringify(mount)} must be an absolute directory other than "/"`,
  );
  if (args.config !== undefined) {
    problems.check(isPlainJsonObject(args.config), "config", "must be a plain JSON object");
  }
}

/**
 * The pod itself (image, ports, probes, resources, sidecars, volumes), as the pod package checks
 * it, with each problem reported under the args the caller actually wrote.
 */
function checkPod(problems: Problems, app: ResolvedAppDeployment): void {
  const pod = validatePodSpecArgs(
    appPodSpecArgs(app, app.config ? { kind: "to come" } : undefined),
  );
  for (const p of pod.list) {
    // The main container's port and the grace period are checked above, under their own args.
    if (
      p.propertyPath.startsWith("containers[0].ports") ||
      p.propertyPath === "terminationGracePeriodSeconds"
    )
      continue;
    const mapped = p.propertyPath
      .replace(/^containers\[0\]\./, "")
      .replace(/^containers\[(\d+)\]/, (_, i: string) => `sidecars[${Number(i) - 1}]`);
    problems.add(mapped, p.reason);
  }
}

/**
 * Checks {@link AppDeploymentArgs} against their resolved values and returns every problem
 * (empty when valid). Pure. Covers the pod (ports, probes, resources, volumes) and the rollout
 * safety rules; reads defaults only through `app`, never on its own.
 */
export function checkAppDeploymentArgs(
  args: AppDeploymentArgs,
  app: ResolvedAppDeployment,
): Problems {
  const problems = new Problems();
  checkIdentity(problems, args, app);
  checkLimit(problems, "replicas", args.replicas, APP_LIMITS.replicas);
  checkLimit(problems, "containerPort", args.containerPort, APP_LIMITS.containerPort);
  checkLimit(problems, "servicePort", args.servicePort, APP_LIMITS.servicePort);
  checkLimit(
    problems,
    "revisionHistoryLimit",
    args.revisionHistoryLimit,
    APP_LIMITS.revisionHistoryLimit,
  );
  checkLimit(
    problems,
    "nodeLossTolerationSeconds",
    args.nodeLossTolerationSeconds,
    APP_LIMITS.nodeLossTolerationSeconds,
  );
  checkRollout(problems, args, app);
  checkTermination(problems, args, app);
  checkScaling(problems, args, app);
  checkConfig(problems, args, app);
  checkCanary(problems, args);
  for (const [k, v] of Object.entries(args.podAnnotations ?? {})) {
    problems.check(typeof v === "string", `podAnnotations.${k}`, "must be a string");
  }
  checkLabels(problems, "nodeSelector", args.nodeSelector);
  // The pod is checked only once the config is sound: its volume and mount come from it.
  if (problems.list.every((p) => !p.propertyPath.startsWith("config"))) checkPod(problems, app);
  return problems;
}
