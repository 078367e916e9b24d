import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { outageBoundSeconds, KubeClient } from "@steady/deploy";
import { repoRoot } from "@steady/deployer";
import { startCluster } from "@steady/local-cluster";
import { itDir } from "./env";
import { client, kubeconfig, list, stackOf, up, type Obj } from "./harness";

// The drill: `steady-deploy up` (the real CLI process) rolls the sample app's dev stack from v0
// to the committed v1 while the cluster's kube-apiserver is killed with SIGKILL at a chosen
// moment. The command must exit non-zero within the outage bound saying the cluster is
// unreachable; after the API server is back, a plain re-run must converge.

const NS = "steady-outage";
// Its own Pulumi backend: the committed dev config of the app names platform stack "dev", so
// this drill's platform stack can be "dev" without touching the other tests' stacks.
const DIR = join(itDir(), "outage");
const CLI = join(repoRoot(), "tools", "deployer", "dist", "cli.js");
const BOUND_S = outageBoundSeconds();
let kube: KubeClient;
let savedStateDir: string | undefined;
const figures: Record<string, unknown>[] = [];

const clusterDir = () => process.env.STEADY_CLUSTER_DIR!;
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** The API server's pid, as the local cluster recorded it. */
function apiServerPid(): number {
  const state = JSON.parse(readFileSync(join(clusterDir(), "state.json"), "utf8")) as {
    components: Record<string, { pid: number }>;
  };
  return state.components["kube-apiserver"]!.pid;
}

/** Lock files the file backend holds on the app's dev stack (one per running update). */
function locks(): string[] {
  const dir = join(DIR, "pulumi-state", ".pulumi", "locks", "organization", "steady-app", "dev");
  return existsSync(dir) ? readdirSync(dir) : [];
}

/** Operations the app's dev stack records as begun and not finished. */
async function pendingOperations(): Promise<unknown[]> {
  const state = (await (await stackOf("app", "dev", "dev")).exportStack()) as {
    deployment?: { pending_operations?: unknown[] };
  };
  return state.deployment?.pending_operations ?? [];
}

/** The repo tool's `up --project app --env dev` (steady-deploy's up) as a child process, on this drill's backend. */
function deployUp(): {
  exited: Promise<{ code: number | null; at: number }>;
  output: () => string;
  pid: number;
} {
  let output = "";
  const child = spawn(process.execPath, [CLI, "up", "--project", "app", "--env", "dev"], {
    env: { ...process.env, STEADY_STATE_DIR: DIR, KUBECONFIG: kubeconfig() },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; at: number }>((resolve) =>
    child.on("exit", (code) => resolve({ code, at: Date.now() })),
  );
  return { exited, output: () => output, pid: child.pid! };
}

/** Resolves when `seen` holds, polling the cluster every 100 ms; rejects when `exited` first. */
async function when(what: string, seen: () => Promise<boolean>, exited: Promise<unknown>) {
  let done = false;
  void exited.then(() => (done = true));
  for (;;) {
    if (done) throw new Error(`steady-deploy exited before ${what}`);
    if (await seen().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const deployments = () => list(kube, "apis/apps/v1", NS, "deployments");
const generation = (d: Obj | undefined) =>
  (d?.metadata as { generation?: number } | undefined)?.generation ?? 0;
const replicaSets = () => list(kube, "apis/apps/v1", NS, "replicasets");
/** A ReplicaSet at one revision (a rollback revives an old ReplicaSet under a new revision). */
const revisionOf = (r: Obj) =>
  `${r.metadata.name}@${r.metadata.annotations?.["deployment.kubernetes.io/revision"] ?? ""}`;

/** The Deployment's generation and the ReplicaSet revisions before the run. */
interface Before {
  readonly generation: number;
  readonly revisions: ReadonlySet<string>;
}

/** The moments the API server is killed at: when each holds, given the state before the run. */
const MOMENTS: Record<string, (before: Before) => Promise<boolean>> = {
  // The new spec is applied: the provider is starting its wait (its informers are syncing),
  // where pulumi-kubernetes v4.25.0 waits without its timeout.
  "right after the apply": async (b) => generation((await deployments())[0]) > b.generation,
  // The new ReplicaSet has a ready pod, the rollout is not complete: the provider's timer runs.
  "mid-rollout": async (b) =>
    (await replicaSets()).some(
      (r) => !b.revisions.has(revisionOf(r)) && (r.status?.readyReplicas ?? 0) > 0,
    ),
};

function available(d: Obj | undefined, version: string): boolean {
  return (
    d?.spec.template.metadata.labels["app.kubernetes.io/version"] === version &&
    d.status?.updatedReplicas === d.spec.replicas &&
    d.status?.availableReplicas === d.spec.replicas &&
    (d.status?.conditions ?? []).some(
      (c: { type: string; status: string }) => c.type === "Available" && c.status === "True",
    )
  );
}

beforeAll(async () => {
  savedStateDir = process.env.STEADY_STATE_DIR;
  process.env.STEADY_STATE_DIR = DIR;
  mkdirSync(DIR, { recursive: true });
  kube = client();
  await up(
    await stackOf("platform", "dev", "dev", {
      namespace: NS,
      environment: "outage",
      simulatedNodes: 1,
    }),
  );
});

afterAll(async () => {
  kube?.close();
  process.env.STEADY_STATE_DIR = savedStateDir;
  // Whatever happened, leave the run's cluster serving for the next test file.
  await startCluster({ dir: clusterDir() });
  writeFileSync(join(DIR, "outage-drill.json"), JSON.stringify(figures, null, 2) + "\n");
});

describe.each(Object.keys(MOMENTS))("the API server killed %s", (moment) => {
  it("fails steady-deploy up within the outage bound as unreachable, and a plain re-run converges once it is back", async () => {
    // v0 deployed and available, so the CLI's committed v1 is a rollout.
    await up(await stackOf("app", "dev", "dev", { version: "v0" }));
    const before: Before = {
      generation: generation((await deployments())[0]),
      revisions: new Set((await replicaSets()).map(revisionOf)),
    };

    const run = deployUp();
    await when(moment, () => MOMENTS[moment]!(before), run.exited);
    const killedAt = Date.now();
    process.kill(apiServerPid(), "SIGKILL");
    const guard = setTimeout(() => process.kill(run.pid, "SIGKILL"), (BOUND_S + 120) * 1000);
    const { code, at } = await run.exited;
    clearTimeout(guard);
    const exitS = seconds(at - killedAt);
    // The cancelled update ended cleanly: nothing for the next run to unlock or clear.
    const leftLocks = locks();
    const leftPending = (await pendingOperations()).length;

    const restartAt = Date.now();
    await startCluster({ dir: clusterDir() });
    const restartS = seconds(Date.now() - restartAt);
    const rerun = deployUp();
    const again = await rerun.exited;
    const convergeS = seconds(again.at - restartAt);
    const availableAtExit = available((await deployments())[0], "v1");
    const figure = {
      moment,
      exitCode: code,
      exitAfterKillSeconds: exitS,
      locksLeft: leftLocks.length,
      pendingOperationsLeft: leftPending,
      boundSeconds: BOUND_S,
      restartSeconds: restartS,
      rerunExitCode: again.code,
      convergedAfterRestartSeconds: convergeS,
      availableAtRerunExit: availableAtExit,
    };
    figures.push(figure);
    console.log(`outage drill: ${JSON.stringify(figure)}`);

    expect(run.output()).toMatch(
      /the cluster is unreachable: its API server https:\/\/127\.0\.0\.1:\d+ gave no good answer for \d+ s/,
    );
    expect(code).not.toBe(0);
    expect(exitS).toBeLessThanOrEqual(BOUND_S);
    expect({ locks: leftLocks, pending: leftPending }).toEqual({ locks: [], pending: 0 });
    if (again.code !== 0) throw new Error(`the re-run failed:\n${rerun.output()}`);
    // The re-run waited for the rollout: the Deployment is available on v1 when it returns.
    expect(availableAtExit).toBe(true);
  });
});
