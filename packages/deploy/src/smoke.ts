/**
 * The post-deploy smoke checks of one environment, what the deploy workflow runs after each
 * `up`: read the sample app's stack outputs, then check in the cluster that the rollout finished
 * at the deployed version, that the Service routes to every replica, that the app answers, and
 * that neither stack drifted from its program.
 */

/** One check and its outcome. */
export interface CheckResult {
  readonly name: string;
  readonly ok: boolean;
  /** What was seen (ok) or what is wrong (not ok). */
  readonly detail: string;
}

/** The fields of a Deployment the checks read. */
export interface DeploymentLike {
  readonly metadata: { readonly name: string; readonly generation?: number };
  readonly spec?: {
    readonly replicas?: number;
    readonly template?: { readonly metadata?: { readonly labels?: Record<string, string> } };
  };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly readyReplicas?: number;
    readonly availableReplicas?: number;
    readonly conditions?: readonly { type: string; status: string; reason?: string }[];
  };
}

/** The fields of an EndpointSlice the checks read. */
export interface EndpointSliceLike {
  readonly endpoints?: readonly { readonly conditions?: { readonly ready?: boolean } }[];
}

/** The template label that carries the app's version. */
export const VERSION_LABEL = "app.kubernetes.io/version";

/**
 * Whether a Deployment's rollout is complete at the expected version: the controller saw the
 * latest spec, every desired replica runs the new template and is available, no old pod is left,
 * and the template carries the version the stack deployed.
 */
export function checkRollout(d: DeploymentLike, expectedVersion: string): CheckResult[] {
  const s = d.status ?? {};
  const desired = d.spec?.replicas ?? 1;
  const observed = (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
  const available = (s.conditions ?? []).find((c) => c.type === "Available");
  const progressing = (s.conditions ?? []).find((c) => c.type === "Progressing");
  const version = d.spec?.template?.metadata?.labels?.[VERSION_LABEL];
  const counts = `desired ${desired}, updated ${s.updatedReplicas ?? 0}, ready ${s.readyReplicas ?? 0}, available ${s.availableReplicas ?? 0}, total ${s.replicas ?? 0}`;
  const complete =
    observed &&
    (s.updatedReplicas ?? 0) === desired &&
    (s.availableReplicas ?? 0) >= desired &&
    (s.replicas ?? 0) === desired;
  return [
    {
      name: "rollout complete",
      ok: complete && progressing?.reason === "NewReplicaSetAvailable",
      detail: observed
        ? `${counts}; Progressing: ${progressing?.reason ?? "(no condition)"}`
        : `the controller has not observed generation ${d.metadata.generation} yet (${counts})`,
    },
    {
      name: "deployment available",
      ok: available?.status === "True",
      detail: `Available=${available?.status ?? "(no condition)"}${available?.reason ? ` (${available.reason})` : ""}`,
    },
    {
      name: "deployed version",
      ok: version === expectedVersion,
      detail:
        version === expectedVersion
          ? `template label ${VERSION_LABEL}=${version}`
          : `template label ${VERSION_LABEL} is ${JSON.stringify(version)}, the stack deployed ${JSON.stringify(expectedVersion)}`,
    },
  ];
}

/** Whether the Service has a ready endpoint for every desired replica. */
export function checkEndpoints(slices: readonly EndpointSliceLike[], desired: number): CheckResult {
  const endpoints = slices.flatMap((s) => s.endpoints ?? []);
  const ready = endpoints.filter((e) => e.conditions?.ready !== false).length;
  return {
    name: "service endpoints",
    ok: ready >= desired,
    detail: `${ready} ready of ${endpoints.length} endpoint(s), ${desired} replica(s) desired`,
  };
}

/** Whether an HTTP answer through the API server's service proxy is what the app serves. */
export function checkHttp(
  path: string,
  got: { status: number; body: string } | { error: string },
  expect: { status: number; body?: string },
): CheckResult {
  const name = `GET ${path}`;
  if ("error" in got) return { name, ok: false, detail: got.error };
  const bodyOk = expect.body === undefined || got.body.trim() === expect.body;
  return {
    name,
    ok: got.status === expect.status && bodyOk,
    detail: `${got.status} ${JSON.stringify(got.body.trim().slice(0, 80))}${bodyOk ? "" : `, expected ${JSON.stringify(expect.body)}`}`,
  };
}

/** The results as plain lines, and whether all passed. */
export function formatChecks(env: string, results: readonly CheckResult[]): string {
  const failed = results.filter((r) => !r.ok).length;
  return [
    ...results.map((r) => `${r.ok ? "ok  " : "FAIL"} ${r.name}: ${r.detail}`),
    `smoke checks of ${env}: ${results.length - failed} passed, ${failed} failed`,
  ].join("\n");
}

/** The results as a Markdown table for a CI job summary. */
export function formatChecksMarkdown(env: string, results: readonly CheckResult[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const failed = results.filter((r) => !r.ok).length;
  return [
    `### Smoke checks: ${env}`,
    "",
    "| Check | Result | Detail |",
    "| --- | --- | --- |",
    ...results.map(
      (r) => `| ${cell(r.name)} | ${r.ok ? "passed" : "**failed**"} | ${cell(r.detail)} |`,
    ),
    "",
    `${results.length - failed} passed, ${failed} failed.`,
    "",
    "",
  ].join("\n");
}
