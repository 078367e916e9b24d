import type { Stack } from "@pulumi/pulumi/automation";
import { KubeApiError, KubeClient, withQuery } from "./kube-client";
import {
  checkEndpoints,
  checkHttp,
  checkRollout,
  type CheckResult,
  type DeploymentLike,
  type EndpointSliceLike,
} from "./smoke";

/** Options of {@link smokeStack}. */
export interface SmokeOptions {
  /** Kubeconfig of the cluster the stack deployed to. */
  readonly kubeconfig: string;
  /** Also GET /readyz and /version through the API server's service proxy (needs real pods). */
  readonly http?: boolean;
  /** More stacks that must show no drift (e.g. the platform under an app), by display name. */
  readonly driftStacks?: readonly { readonly name: string; readonly stack: Stack }[];
}

/** The stack outputs the smoke checks read: which Deployment and Service, at which version. */
export const SMOKE_OUTPUTS = ["namespace", "deploymentName", "serviceName"] as const;

async function attempt(name: string, fn: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await fn();
  } catch (e) {
    return [{ name, ok: false, detail: (e as Error).message.split("\n")[0]! }];
  }
}

/** `preview --refresh --expect-no-changes`: whether the stack still matches the cluster. */
async function noDrift(name: string, stack: Stack): Promise<CheckResult> {
  try {
    await stack.preview({ refresh: true, expectNoChanges: true });
    return { name: `no drift: ${name}`, ok: true, detail: "preview --refresh shows no change" };
  } catch (e) {
    const lines = (e as Error).message.split("\n").filter((l) => /error|change/i.test(l));
    return {
      name: `no drift: ${name}`,
      ok: false,
      detail: lines.slice(0, 3).join(" ") || "preview failed",
    };
  }
}

/**
 * The post-deploy checks of a stack that runs one app: its outputs `namespace`,
 * `deploymentName`, `serviceName` (and `version`, when it exports one) name what to check; the
 * Deployment finished its rollout, is available and (with `version`) runs that version; its
 * Service has a ready endpoint per replica; with `http`, /readyz answers 200 and /version the
 * version; and neither this stack nor `driftStacks` drifted.
 */
export async function smokeStack(stack: Stack, opts: SmokeOptions): Promise<CheckResult[]> {
  const outputs = Object.fromEntries(
    Object.entries(await stack.outputs()).map(([k, v]) => [k, v.value as unknown]),
  );
  const missing = SMOKE_OUTPUTS.filter((k) => typeof outputs[k] !== "string");
  if (missing.length) {
    return [
      {
        name: "stack outputs",
        ok: false,
        detail: `${stack.name} has no ${missing.join(", ")} output: has it been deployed, and does it export ${SMOKE_OUTPUTS.join(", ")} (and version)?`,
      },
    ];
  }
  const { namespace, deploymentName, serviceName } = outputs as Record<string, string>;
  const version = typeof outputs.version === "string" ? outputs.version : undefined;
  const results: CheckResult[] = [
    {
      name: "stack outputs",
      ok: true,
      detail: `${namespace}/${deploymentName}, service ${serviceName}, version ${version ?? "(not exported)"}`,
    },
  ];
  const client = KubeClient.fromKubeconfig(opts.kubeconfig);
  try {
    results.push(
      ...(await clusterChecks(
        client,
        { namespace, deploymentName, serviceName, version },
        opts.http ?? false,
      )),
    );
  } finally {
    client.close();
  }
  for (const d of opts.driftStacks ?? []) results.push(await noDrift(d.name, d.stack));
  results.push(await noDrift(stack.name, stack));
  return results;
}

/** The rollout, endpoint and (with `http`) HTTP checks of one app. */
async function clusterChecks(
  client: KubeClient,
  app: { namespace: string; deploymentName: string; serviceName: string; version?: string },
  http: boolean,
): Promise<CheckResult[]> {
  const { namespace, deploymentName, serviceName, version } = app;
  const results: CheckResult[] = [];
  let desired = 1;
  results.push(
    ...(await attempt("rollout complete", async () => {
      const d = await client.get<DeploymentLike>(
        `/apis/apps/v1/namespaces/${namespace}/deployments/${deploymentName}`,
      );
      desired = d.spec?.replicas ?? 1;
      const checks = checkRollout(d, version ?? "");
      return version === undefined ? checks.filter((c) => c.name !== "deployed version") : checks;
    })),
  );
  results.push(
    ...(await attempt("service endpoints", async () => {
      const slices = await client.list<EndpointSliceLike>(
        withQuery(`/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, {
          labelSelector: `kubernetes.io/service-name=${serviceName}`,
        }),
      );
      return [checkEndpoints(slices.items, desired)];
    })),
  );
  if (!http) return results;
  const proxy = `/api/v1/namespaces/${namespace}/services/${serviceName}:http/proxy`;
  const probes: [string, { status: number; body?: string }][] = [["/readyz", { status: 200 }]];
  if (version !== undefined) probes.push(["/version", { status: 200, body: version }]);
  for (const [path, expect] of probes) {
    let got: { status: number; body: string } | { error: string };
    try {
      got = { status: 200, body: String(await client.request("GET", `${proxy}${path}`)) };
    } catch (e) {
      got =
        e instanceof KubeApiError
          ? { status: e.statusCode, body: String(e.body ?? "") }
          : { error: (e as Error).message };
    }
    results.push(checkHttp(path, got, expect));
  }
  return results;
}
