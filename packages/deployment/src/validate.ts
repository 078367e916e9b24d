import { Problems, checkLabels, isLabelValue } from "@steady/core";
import { checkIntRange, validatePodSpecArgs } from "@steady/pod";
import { APP_DEFAULTS } from "./defaults";
import { buildPodSpecArgs } from "./manifests";
import type { AppDeploymentArgs, DisruptionBudgetArgs } from "./types";

const PERCENT = /^([0-9]|[1-9][0-9]|100)%$/;

/** Reads a surge/unavailable value as [isZero, problem]. */
function checkIntOrPercent(
  problems: Problems,
  path: string,
  v: number | string | undefined,
): boolean {
  if (v === undefined) return false;
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

/**
 * Checks {@link AppDeploymentArgs} and returns every problem (empty when valid). Pure: nothing is
 * registered. Covers the pod (ports, probes, resources, volumes) and the rollout safety rules.
 */
export function validateAppDeploymentArgs(name: string, args: AppDeploymentArgs): Problems {
  const problems = new Problems();
  problems.check(
    args.namespace !== undefined && args.namespace !== "",
    "namespace",
    "is required: name the namespace to deploy into",
  );
  const appName = args.appName ?? name;
  const instance = args.instance ?? name;
  problems.check(
    appName.length > 0 && isLabelValue(appName),
    args.appName === undefined ? "name" : "appName",
    `${JSON.stringify(appName)} cannot be the app.kubernetes.io/name label: expected at most 63 alphanumerics, with "-", "_" or "." inside`,
  );
  problems.check(
    instance.length > 0 && isLabelValue(instance),
    args.instance === undefined ? "name" : "instance",
    `${JSON.stringify(instance)} cannot be the app.kubernetes.io/instance label: expected at most 63 alphanumerics, with "-", "_" or "." inside`,
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
  checkIntRange(problems, "replicas", args.replicas, 1, 10000);
  checkIntRange(problems, "containerPort", args.containerPort, 1, 65535);
  checkIntRange(problems, "servicePort", args.servicePort, 1, 65535);
  checkIntRange(problems, "revisionHistoryLimit", args.revisionHistoryLimit, 0, 1000);
  // A day: longer keeps a replica on a dead node for longer than any on-call would accept.
  checkIntRange(problems, "nodeLossTolerationSeconds", args.nodeLossTolerationSeconds, 0, 86400);

  const r = args.rollout ?? {};
  const surgeZero = checkIntOrPercent(
    problems,
    "rollout.maxSurge",
    r.maxSurge ?? APP_DEFAULTS.maxSurge,
  );
  const unavailableZero = checkIntOrPercent(
    problems,
    "rollout.maxUnavailable",
    r.maxUnavailable ?? APP_DEFAULTS.maxUnavailable,
  );
  if (surgeZero && unavailableZero) {
    problems.add(
      "rollout",
      "maxSurge and maxUnavailable are both 0, so a rollout can never start: set maxSurge to 1 or more (keep maxUnavailable 0 for zero downtime)",
    );
  }
  checkIntRange(problems, "rollout.minReadySeconds", r.minReadySeconds, 0, 3600);
  checkIntRange(problems, "rollout.progressDeadlineSeconds", r.progressDeadlineSeconds, 1, 86400);
  const minReady = r.minReadySeconds ?? APP_DEFAULTS.minReadySeconds;
  const deadline = r.progressDeadlineSeconds ?? APP_DEFAULTS.progressDeadlineSeconds;
  problems.check(
    deadline > minReady,
    "rollout.progressDeadlineSeconds",
    `${deadline} s must be longer than minReadySeconds (${minReady} s), or every rollout is reported as stalled`,
  );

  checkIntRange(problems, "preStopSleepSeconds", args.preStopSleepSeconds, 0, 3600);
  checkIntRange(problems, "drainSeconds", args.drainSeconds, 0, 3600);
  checkIntRange(
    problems,
    "terminationGracePeriodSeconds",
    args.terminationGracePeriodSeconds,
    0,
    86400,
  );
  const sleep = args.preStopSleepSeconds ?? APP_DEFAULTS.preStopSleepSeconds;
  const drain = args.drainSeconds ?? APP_DEFAULTS.drainSeconds;
  if (args.terminationGracePeriodSeconds !== undefined) {
    problems.check(
      args.terminationGracePeriodSeconds > sleep + drain,
      "terminationGracePeriodSeconds",
      `${args.terminationGracePeriodSeconds} s must be longer than preStopSleepSeconds + drainSeconds (${sleep} + ${drain} = ${sleep + drain} s), or pods are killed mid-drain`,
    );
  }

  const hpa = args.autoscaling;
  if (hpa) {
    checkIntRange(problems, "autoscaling.minReplicas", hpa.minReplicas, 1, 10000);
    checkIntRange(problems, "autoscaling.maxReplicas", hpa.maxReplicas, 1, 10000);
    checkIntRange(
      problems,
      "autoscaling.targetCPUUtilizationPercentage",
      hpa.targetCPUUtilizationPercentage,
      1,
      1000,
    );
    problems.check(
      !(hpa.minReplicas > hpa.maxReplicas),
      "autoscaling",
      `minReplicas (${hpa.minReplicas}) is greater than maxReplicas (${hpa.maxReplicas})`,
    );
  }
  const floor = hpa ? hpa.minReplicas : (args.replicas ?? APP_DEFAULTS.replicas);
  const pdb: DisruptionBudgetArgs | false = args.disruptionBudget ?? APP_DEFAULTS.disruptionBudget;
  if (pdb !== false) {
    const given = [pdb.maxUnavailable, pdb.minAvailable].filter((v) => v !== undefined).length;
    problems.check(
      given === 1,
      "disruptionBudget",
      `set exactly one of maxUnavailable, minAvailable (found ${given})`,
    );
    checkIntRange(problems, "disruptionBudget.maxUnavailable", pdb.maxUnavailable, 1, 10000);
    checkIntRange(problems, "disruptionBudget.minAvailable", pdb.minAvailable, 0, 10000);
    if (pdb.minAvailable !== undefined && Number.isInteger(floor)) {
      problems.check(
        pdb.minAvailable < floor,
        "disruptionBudget.minAvailable",
        `${pdb.minAvailable} is not below the ${hpa ? "autoscaler's minReplicas" : "replica count"} (${floor}): no pod could ever be evicted and node drains would block; use maxUnavailable: 1`,
      );
    }
  }
  if (args.topologySpread)
    checkIntRange(problems, "topologySpread.maxSkew", args.topologySpread.maxSkew, 1, 100);
  const mount = args.configMountPath ?? APP_DEFAULTS.configMountPath;
  problems.check(
    mount.startsWith("/") && mount !== "/",
    "configMountPath",
    `${JSON.stringify(mount)} must be an absolute directory other than "/"`,
  );
  if (args.config !== undefined) {
    let serialisable = true;
    try {
      JSON.stringify(args.config);
    } catch {
      serialisable = false;
    }
    problems.check(
      serialisable && typeof args.config === "object" && !Array.isArray(args.config),
      "config",
      "must be a plain JSON object",
    );
  }
  for (const [k, v] of Object.entries(args.podAnnotations ?? {})) {
    problems.check(typeof v === "string", `podAnnotations.${k}`, "must be a string");
  }
  checkLabels(problems, "nodeSelector", args.nodeSelector);

  // The pod itself: image, ports, probes, resources, sidecars, volumes.
  if (problems.list.every((p) => !p.propertyPath.startsWith("config"))) {
    const pod = validatePodSpecArgs(buildPodSpecArgs(name, args, "0000000000"));
    for (const p of pod.list) {
      // Report main-container problems under the args the caller actually wrote.
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
  return problems;
}
