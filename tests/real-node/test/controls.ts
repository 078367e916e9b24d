/**
 * The isolating control runs: the safe rollout again, each time with one safety removed through
 * AppDeployment's own arguments (fixtures/control-app), and what each run is held to. The
 * expectations are what repeated runs on the real node measured (see the README of this tier),
 * not what one would like to see: a control that measured no failure is held to none.
 */

/** Where the fields each control changes live in a Deployment spec. */
const CONTAINER = "template.spec.containers[app]";

/** What the failed requests of a control run must look like. */
export type FailureExpectation =
  /** No request fails. */
  | { readonly failed: "none" }
  /**
   * Requests may fail (not in every run: it is a race with kube-proxy), only of these kinds,
   * and at least half of them within the routing lag of the pod change `mostlyAt`.
   */
  | {
      readonly failed: "maybe";
      readonly mostlyAt: "old pod left" | "new pod ready";
      readonly kinds: readonly string[];
    };

/** One control run. */
export interface ControlRun {
  /** The fixture's `without` setting. */
  readonly without: "readiness" | "probes" | "preStop" | "drain" | "maxUnavailable";
  /** What is removed, in words. */
  readonly removed: string;
  /** The Deployment spec paths that differ from the safe run's, and nothing else. */
  readonly differs: readonly string[];
  /** What the failed requests must look like. */
  readonly failures: FailureExpectation;
  /** Fewest serving pods during the rollout. */
  readonly fewestReady: number;
}

export const CONTROL_RUNS: readonly ControlRun[] = [
  {
    // The startup probe (GET /healthz) still holds Ready back until the app answers, and the
    // endpoint of a terminating pod turns not-ready when it is deleted, whatever its probe says.
    without: "readiness",
    removed: "the readiness probe",
    differs: [`${CONTAINER}.readinessProbe`],
    failures: { failed: "none" },
    fewestReady: 3,
  },
  {
    // Ready as soon as the container runs: kube-proxy may route to it before Node.js listens.
    // Failed in 3 of 10 runs (7, 10, 20 requests, all refused as a new pod turned Ready); in the
    // others the app listened before the routing caught up.
    without: "probes",
    removed: "the readiness and startup probes",
    differs: [`${CONTAINER}.readinessProbe`, `${CONTAINER}.startupProbe`],
    failures: { failed: "maybe", mostlyAt: "new pod ready", kinds: ["ECONNREFUSED"] },
    fewestReady: 3,
  },
  {
    // SIGTERM comes as the endpoint is removed: the app closes its listener while kube-proxy
    // still routes to it (refused, or reset in the accept queue). A race, not a certainty:
    // failed in 11 of 12 runs (0 to 56 requests, 75-100% of them within 0.25 s of an old pod
    // leaving; the rest 5 s timeouts of requests started 1.7-4.2 s after one left). A later
    // run also saw EHOSTUNREACH (8 of 50): the pod's network is torn down while it is still
    // routed to, as in the all-at-once control.
    without: "preStop",
    removed: "the preStop sleep",
    differs: [`${CONTAINER}.lifecycle`],
    failures: {
      failed: "maybe",
      mostlyAt: "old pod left",
      kinds: ["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "timeout"],
    },
    fewestReady: 3,
  },
  {
    // With the preStop sleep, SIGTERM comes 5 s after the routing stopped: under this load
    // (answers in milliseconds, a new connection per request) nothing is left to cut.
    without: "drain",
    removed: "the drain (DRAIN_SECONDS=0)",
    differs: [`${CONTAINER}.env[DRAIN_SECONDS].value`],
    failures: { failed: "none" },
    fewestReady: 3,
  },
  {
    // Capacity drops to 2 of 3 pods; every pod that leaves still leaves safely, and 2 pods
    // carry this load, so the cost is capacity, not requests.
    without: "maxUnavailable",
    removed: "maxUnavailable 0 (set to 1)",
    differs: ["strategy.rollingUpdate.maxUnavailable"],
    failures: { failed: "none" },
    fewestReady: 2,
  },
];
