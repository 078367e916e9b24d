import { ENVIRONMENT_SCHEMA } from "../config";
import { containerLabel, servesPorts, TYPES, type Container, type PodSpec } from "../k8s";
import { resourcePolicy } from "../wiring";
import { hasPodSpec, podSpecOf } from "./pod-spec";

/** Name of the rule. */
export const GRACEFUL_TERMINATION = "graceful-termination";

/** Kubernetes' default `terminationGracePeriodSeconds`. */
export const DEFAULT_GRACE_SECONDS = 30;

const SLEEP_COMMAND = /(?:^|[\s;&|(])(?:\/(?:usr\/)?bin\/)?sleep\s+(\d+(?:\.\d+)?)(?:s\b)?/;

/**
 * Seconds a container's preStop hook sleeps: `lifecycle.preStop.sleep.seconds`, or the first
 * `sleep N` of an exec hook (`["sleep", "5"]` or `["sh", "-c", "sleep 5 && ..."]`); 0 when it
 * has no sleeping preStop hook.
 * @see https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/
 */
export function preStopSleepSeconds(c: Container): number {
  const hook = c.lifecycle?.preStop;
  if (!hook) return 0;
  if (typeof hook.sleep?.seconds === "number") return hook.sleep.seconds;
  const command = hook.exec?.command;
  if (!command) return 0;
  const m = SLEEP_COMMAND.exec(command.join(" "));
  return m ? Number(m[1]) : 0;
}

/**
 * Checks termination: a container that sleeps in preStop must have a grace period longer than
 * the sleep, and, when `requirePreStop`, every container that serves a port needs a preStop delay
 * so endpoint removal reaches the load balancers before SIGTERM.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination
 */
export function checkGracefulTermination(
  pod: PodSpec | undefined,
  opts: { readonly requirePreStop: boolean },
): string[] {
  const out: string[] = [];
  const set = pod?.terminationGracePeriodSeconds;
  const grace = set ?? DEFAULT_GRACE_SECONDS;
  (pod?.containers ?? []).forEach((c, i) => {
    const sleep = preStopSleepSeconds(c);
    if (sleep > 0 && grace <= sleep) {
      out.push(
        `${containerLabel(c, i)} sleeps ${sleep} s in preStop but terminationGracePeriodSeconds is ${grace}${set === undefined ? " (the default)" : ""}: set it above ${sleep} s plus the app's drain time, or the pod is killed before it has drained`,
      );
    }
    if (opts.requirePreStop && sleep === 0 && servesPorts(c)) {
      out.push(
        `${containerLabel(c, i)} serves traffic but has no preStop delay: add lifecycle.preStop.sleep.seconds (e.g. 5) so endpoint removal reaches every load balancer before the app gets SIGTERM`,
      );
    }
  });
  return out;
}

/** Policy: a grace period longer than the preStop sleep; outside dev, a preStop delay on serving workloads. */
export const gracefulTerminationPolicy = resourcePolicy(
  {
    name: GRACEFUL_TERMINATION,
    description:
      "terminationGracePeriodSeconds exceeds every container's preStop sleep; outside dev, serving containers of Deployments and StatefulSets have a preStop delay.",
    configSchema: ENVIRONMENT_SCHEMA,
  },
  hasPodSpec,
  (obj, ctx) =>
    checkGracefulTermination(podSpecOf(ctx.type, obj), {
      requirePreStop: ctx.environment !== "dev" && ctx.type !== TYPES.pod,
    }),
);
