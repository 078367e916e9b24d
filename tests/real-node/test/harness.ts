import { LocalWorkspace, type Stack } from "@pulumi/pulumi/automation";
import {
  openStack,
  pulumiCommand,
  pulumiEnv,
  PROJECTS,
  REAL_NODE_PLACEMENT,
  underLoad,
  type OpenStackOptions,
} from "@steady/deployer";
import { KubeClient } from "@steady/deploy";
import { waitFor as waitUntil } from "@steady/testing";
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { itDir, loadRun, useItDirs } from "./env";

useItDirs();

/** A client for the run's cluster. */
export function client(): KubeClient {
  return KubeClient.fromKubeconfig(loadRun().kubeconfig);
}

type Config = NonNullable<OpenStackOptions["config"]>;

/** The platform stack of this tier: a restricted namespace, no simulated nodes. */
export function platformStack(): Promise<Stack> {
  return openStack(PROJECTS.platform, {
    env: "dev",
    stack: "real",
    config: { namespace: "steady-real", quota: "medium", simulatedNodes: 0 },
    kubeconfig: loadRun().kubeconfig,
  });
}

/** The sample-app stack on the real node, in the platform stack's namespace. */
export function appStack(config: Config): Promise<Stack> {
  return openStack(PROJECTS.app, {
    env: "dev",
    stack: "real",
    config: {
      platformStack: "organization/steady-platform/real",
      image: loadRun().image,
      ...REAL_NODE_PLACEMENT,
      ...config,
    },
    kubeconfig: loadRun().kubeconfig,
  });
}

/**
 * Opens stack `stack` of a fixture program (fixtures/<fixture>, with fixtures/lib beside it) from
 * a copy in the run's directory.
 */
export async function fixtureStack(
  fixture: string,
  stack: string,
  config: Record<string, string>,
): Promise<Stack> {
  const fixtures = join(__dirname, "..", "fixtures");
  const workDir = join(itDir(), "work", `fixture-${fixture}`);
  mkdirSync(workDir, { recursive: true });
  // The fixture's program, and beside it what fixtures share (fixtures/lib: the sample app as
  // the sample-app stack declares it on the real node).
  for (const dir of [join(fixtures, fixture), join(fixtures, "lib")]) {
    for (const f of readdirSync(dir).filter((n) => n === "Pulumi.yaml" || n.endsWith(".js"))) {
      copyFileSync(join(dir, f), join(workDir, f));
    }
  }
  const s = await LocalWorkspace.createOrSelectStack(
    { stackName: `organization/steady-fixture-${fixture}/${stack}`, workDir },
    {
      pulumiCommand: await pulumiCommand(),
      envVars: pulumiEnv({ kubeconfig: loadRun().kubeconfig }),
    },
  );
  await s.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, { value: v }])),
  );
  return s;
}

/** `pulumi up`, returning plain outputs; Pulumi's output goes to the test log only on failure. */
export async function up(stack: Stack): Promise<Record<string, unknown>> {
  let log = "";
  try {
    const r = await stack.up({ onOutput: (s) => (log += s) });
    return Object.fromEntries(Object.entries(r.outputs).map(([k, v]) => [k, v.value]));
  } catch (e) {
    throw new Error(`pulumi up of ${stack.name} failed:\n${log}\n${(e as Error).message}`);
  }
}

/** Polls `check` until it returns a truthy value; rollouts on a real node get two minutes. */
export function waitFor<T>(what: string, check: () => Promise<T | undefined | false>): Promise<T> {
  return waitUntil(what, check, { timeoutMs: 120_000, intervalMs: 250 });
}

/**
 * Waits until a burst of 300 requests to `url` is answered by `version` alone, none failing. An
 * old pod may still answer for a moment after an up returns: it serves through its preStop
 * sleep until kube-proxy drops it, so "the load's last answer" is not yet the new version.
 */
export async function onlyVersionAnswers(
  url: string,
  version: string,
  load: { concurrency: number; timeoutMs: number },
): Promise<void> {
  await waitFor(`only ${version} to answer`, async () => {
    const probe = await underLoad({ url, ...load }, async () => undefined, 300);
    return probe.total.failed === 0 && Object.keys(probe.total.versions).join() === version;
  });
}

/** The fields of a Pod the tests read. */
export interface PodInfo {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  spec: { nodeName?: string };
  status?: {
    podIP?: string;
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: {
      name: string;
      containerID?: string;
      restartCount: number;
      ready: boolean;
    }[];
  };
}

/** Pods of `namespace` matching `selector`. */
export async function pods(c: KubeClient, namespace: string, selector: string): Promise<PodInfo[]> {
  return (
    await c.list<PodInfo>(
      `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
    )
  ).items;
}

/** Whether a pod is Ready and not terminating. */
export function serving(p: PodInfo): boolean {
  return (
    !p.metadata.deletionTimestamp &&
    (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

/**
 * Kills a container's process with SIGKILL through containerd, as a crash would: the kubelet,
 * not us, must notice and restart it.
 */
export function killContainer(containerID: string): void {
  const id = containerID.replace(/^containerd:\/\//, "");
  execFileSync(
    "ctr",
    [
      "--address",
      loadRun().containerdSocket,
      "--namespace",
      "k8s.io",
      "tasks",
      "kill",
      "--signal",
      "SIGKILL",
      id,
    ],
    { stdio: "pipe" },
  );
}

/** Selector of an app's pods by its instance name. */
export const selectorOf = (instance: string) =>
  `app.kubernetes.io/name=${instance},app.kubernetes.io/instance=${instance}`;
