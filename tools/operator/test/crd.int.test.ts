/**
 * The rendered operator manifests against a real API server: a local cluster (its own data
 * directory, purged afterwards) gets the Stack CRD, then every rendered manifest goes through a
 * server-side apply dry run with field validation Strict, and broken copies must be rejected.
 *
 * The CRD is deploy/operator/crd/stacks.pulumi.com.yaml, our subset schema. To check the same
 * manifests against the operator's own CRD, point STEADY_OPERATOR_CRD at that file (see
 * deploy/operator/README.md). Without the toolchain's binaries this FAILS; it never skips.
 */
import { repoRoot } from "@steady/deployer";
import { findBinary, startCluster, stopCluster, type ClusterInfo } from "@steady/local-cluster";
import * as yaml from "js-yaml";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { renderOperatorFiles } from "../src/render";
import { stackObjects } from "../src/stacks";

const root = repoRoot();
const crd = resolve(
  root,
  process.env.STEADY_OPERATOR_CRD ?? "deploy/operator/crd/stacks.pulumi.com.yaml",
);
const dataDir = mkdtempSync(join(tmpdir(), "steady-operator-cluster-"));
const scratch = mkdtempSync(join(tmpdir(), "steady-operator-manifests-"));
let cluster: ClusterInfo;
// A generated Stack being broken on purpose: any field, any type.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

/** kubectl from the toolchain against the test cluster. */
function kubectl(...args: string[]): { status: number; out: string } {
  const r = spawnSync(findBinary("kubectl"), args, {
    encoding: "utf8",
    env: { ...process.env, KUBECONFIG: cluster.kubeconfigPath },
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? 1, out: `${r.stdout}${r.stderr}`.trim() };
}

/** A server-side apply dry run with strict field validation, as a reviewer's cluster would do it. */
function dryRun(file: string) {
  return kubectl(
    "apply",
    "--server-side",
    "--dry-run=server",
    "--validate=strict",
    "--field-manager=steady-gitops-test",
    "-f",
    file,
  );
}

/** Writes objects to a YAML file in the scratch directory. */
function manifest(name: string, objects: readonly unknown[]): string {
  const file = join(scratch, name);
  writeFileSync(file, objects.map((o) => yaml.dump(o)).join("---\n"));
  return file;
}

/** The first generated Stack (staging's platform: it has prerequisites) with one change. */
function brokenStack(change: (s: Loose) => void): string {
  const s = structuredClone(stackObjects()[2]!) as unknown as Loose;
  change(s);
  return manifest(`broken-${Math.random().toString(36).slice(2)}.yaml`, [s]);
}

beforeAll(async () => {
  cluster = await startCluster({ dir: dataDir });
  const applied = kubectl(
    "apply",
    "--server-side",
    "--field-manager=steady-gitops-test",
    "-f",
    crd,
  );
  if (applied.status !== 0) throw new Error(`applying ${crd} failed: ${applied.out}`);
  // A large CRD can be listed before its status has any condition, which `kubectl wait` reports
  // as an error rather than waiting: retry until it is Established, for at most a minute.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const established = kubectl(
      "wait",
      "--for=condition=Established",
      "crd/stacks.pulumi.com",
      "--timeout=30s",
    );
    if (established.status === 0) break;
    if (Date.now() > deadline) throw new Error(`the CRD was not established: ${established.out}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  // The Stacks' namespace must exist for a dry run of namespaced objects: apply it for real.
  const files = renderOperatorFiles();
  const access = manifest("00-access.yaml", yaml.loadAll(files["stacks/00-access.yaml"]!));
  const created = kubectl("apply", "--server-side", "--validate=strict", "-f", access);
  if (created.status !== 0) throw new Error(`applying the namespace failed: ${created.out}`);
});

afterAll(async () => {
  if (cluster) await stopCluster({ dir: dataDir, purge: true });
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(scratch, { recursive: true, force: true });
});

describe(`the rendered Stack manifests against ${crd.replace(`${root}/`, "")}`, () => {
  it("serves the Stack kind once the CRD is established", () => {
    const r = kubectl("api-resources", "--api-group=pulumi.com", "-o", "name");
    expect(r).toEqual({ status: 0, out: "stacks.pulumi.com" });
  });

  it.each(["10-dev.yaml", "20-staging.yaml", "30-prod.yaml"])(
    "accepts every Stack of %s (server-side apply dry run, strict)",
    (file) => {
      const r = dryRun(join(root, "deploy", "operator", "stacks", file));
      expect(r.status).toBe(0);
      const names = yaml
        .loadAll(renderOperatorFiles()[`stacks/${file}`]!)
        .map((o) => (o as { metadata: { name: string } }).metadata.name);
      expect(r.out.split("\n")).toEqual(
        names.map((n) => `stack.pulumi.com/${n} serverside-applied (server dry run)`),
      );
    },
  );

  it.each<[string, (s: Loose) => void, string]>([
    [
      "an unknown field",
      (s) => (s.spec.refreshh = true),
      ".spec.refreshh: field not declared in schema",
    ],
    [
      "an unknown field deep in the workspace template",
      (s) =>
        (s.spec.workspaceTemplate.spec.podTemplate.spec.initContainers[0].imagePullPolcy = "x"),
      '.spec.workspaceTemplate.spec.podTemplate.spec.initContainers[name="build"].imagePullPolcy: field not declared in schema',
    ],
    [
      "a string where a boolean goes",
      (s) => (s.spec.destroyOnFinalize = "false"),
      ".spec.destroyOnFinalize: expected boolean, got &{false}",
    ],
    [
      "a string where an integer goes",
      (s) => (s.spec.resyncFrequencySeconds = "5m"),
      ".spec.resyncFrequencySeconds: expected numeric (int or float), got string",
    ],
    [
      "an object where a list goes",
      (s) => (s.spec.prerequisites = { name: "steady-app-dev" }),
      ".spec.prerequisites: expected list, got &{map[name:steady-app-dev]}",
    ],
    ["no stack name", (s) => delete s.spec.stack, "spec.stack: Required value"],
    [
      "a Secret reference without its key",
      (s) => delete s.spec.envRefs.PULUMI_CONFIG_PASSPHRASE.secret.key,
      "spec.envRefs.PULUMI_CONFIG_PASSPHRASE.secret.key: Required value",
    ],
    [
      "a reclaim policy that does not exist",
      (s) => (s.spec.workspaceReclaimPolicy = "Keep"),
      'spec.workspaceReclaimPolicy: Unsupported value: "Keep"',
    ],
    [
      "a name longer than the operator allows",
      (s) => (s.metadata.name = `steady-${"x".repeat(40)}`),
      "Stack name must be no more than 42 characters in length.",
    ],
  ])("rejects a Stack with %s", (_, change, message) => {
    const r = dryRun(brokenStack(change));
    expect(r.status).not.toBe(0);
    expect(r.out).toContain(message);
  });

  it("rejects an unknown field on create only with strict validation: otherwise it is silently dropped", () => {
    // Server-side apply always refuses fields the schema does not declare (above); a plain
    // create is where field validation decides, and without it the field would be pruned.
    const file = brokenStack((s) => (s.spec.refreshh = true));
    const lax = kubectl("create", "--dry-run=server", "--validate=false", "-f", file, "-o", "yaml");
    expect(lax.status).toBe(0);
    expect(lax.out).toContain("refresh: true");
    expect(lax.out).not.toContain("refreshh");
    const strict = kubectl("create", "--dry-run=server", "--validate=strict", "-f", file);
    expect(strict.status).not.toBe(0);
    expect(strict.out).toContain('unknown field "spec.refreshh"');
  });
});
