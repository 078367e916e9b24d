#!/usr/bin/env node
import type { Stack } from "@pulumi/pulumi/automation";
import { PROJECTS, openStack } from "@steady/deployer";
import { KubeApiError, KubeClient, withQuery } from "@steady/local-cluster";
import { appendFileSync } from "node:fs";
import {
  checkEndpoints,
  checkHttp,
  checkRollout,
  formatChecks,
  formatChecksMarkdown,
  type CheckResult,
  type DeploymentLike,
  type EndpointSliceLike,
} from "./smoke";

const USAGE = `usage: steady-smoke --env dev|staging|prod [--http] [--summary-md FILE]

Checks an environment after \`steady-deploy up\`, through KUBECONFIG and the Pulumi backend
(PULUMI_BACKEND_URL, PULUMI_CONFIG_PASSPHRASE):
  - the app's Deployment finished its rollout, is available and runs the version the stack deployed;
  - its Service has a ready endpoint per replica;
  - with --http: /readyz answers 200 and /version the deployed version, through the API
    server's service proxy (needs real pods: not on the local cluster's simulated nodes);
  - neither stack drifted: preview --refresh --expect-no-changes of the platform and the app.
Exits 1 when a check fails, 2 on a usage error.`;

interface Options {
  env: string;
  http: boolean;
  summaryMd?: string;
}

/** Parses the command line; throws a message for a usage error. */
export function parseSmokeArgs(argv: readonly string[]): Options {
  const opts: Options = { env: "", http: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--http") opts.http = true;
    else if (a === "--env" || a === "--summary-md") {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value`);
      if (a === "--env") opts.env = v;
      else opts.summaryMd = v;
    } else throw new Error(`unknown option ${JSON.stringify(a)}`);
  }
  if (!["dev", "staging", "prod"].includes(opts.env)) {
    throw new Error(
      opts.env
        ? `--env ${JSON.stringify(opts.env)} is not an environment: expected dev, staging or prod`
        : "--env is required",
    );
  }
  return opts;
}

async function attempt(name: string, fn: () => Promise<CheckResult[]>): Promise<CheckResult[]> {
  try {
    return await fn();
  } catch (e) {
    return [{ name, ok: false, detail: (e as Error).message.split("\n")[0]! }];
  }
}

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

/** Runs every check of one environment. */
export async function smoke(opts: Options): Promise<CheckResult[]> {
  const kubeconfig = process.env.KUBECONFIG;
  if (!kubeconfig) throw new Error("KUBECONFIG is not set: point it at the environment's cluster");
  const app = await openStack(PROJECTS.app, { env: opts.env, kubeconfig });
  const platform = await openStack(PROJECTS.platform, { env: opts.env, kubeconfig });
  const outputs = Object.fromEntries(
    Object.entries(await app.outputs()).map(([k, v]) => [k, v.value as unknown]),
  );
  const missing = ["namespace", "deploymentName", "serviceName", "version"].filter(
    (k) => typeof outputs[k] !== "string",
  );
  if (missing.length) {
    return [
      {
        name: "stack outputs",
        ok: false,
        detail: `${app.name} has no ${missing.join(", ")} output: has it been deployed?`,
      },
    ];
  }
  const { namespace, deploymentName, serviceName, version } = outputs as Record<string, string>;
  const results: CheckResult[] = [
    {
      name: "stack outputs",
      ok: true,
      detail: `${namespace}/${deploymentName}, service ${serviceName}, version ${version}`,
    },
  ];
  const client = KubeClient.fromKubeconfig(kubeconfig);
  try {
    let desired = 1;
    results.push(
      ...(await attempt("rollout complete", async () => {
        const d = await client.get<DeploymentLike>(
          `/apis/apps/v1/namespaces/${namespace}/deployments/${deploymentName}`,
        );
        desired = d.spec?.replicas ?? 1;
        return checkRollout(d, version!);
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
    if (opts.http) {
      const proxy = `/api/v1/namespaces/${namespace}/services/${serviceName}:http/proxy`;
      for (const [path, expect] of [
        ["/readyz", { status: 200 }],
        ["/version", { status: 200, body: version! }],
      ] as const) {
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
    }
  } finally {
    client.close();
  }
  results.push(await noDrift("platform", platform), await noDrift("app", app));
  return results;
}

async function main(argv: string[]): Promise<number> {
  let opts: Options;
  try {
    opts = parseSmokeArgs(argv);
  } catch (e) {
    console.error(`${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  let results: CheckResult[];
  try {
    results = await smoke(opts);
  } catch (e) {
    results = [{ name: "setup", ok: false, detail: (e as Error).message.split("\n")[0]! }];
  }
  console.log(formatChecks(opts.env, results));
  if (opts.summaryMd) appendFileSync(opts.summaryMd, formatChecksMarkdown(opts.env, results));
  return results.every((r) => r.ok) ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`steady-smoke: ${e.message}`);
      process.exit(1);
    },
  );
}
