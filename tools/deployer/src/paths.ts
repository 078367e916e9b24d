import { findRepoRoot } from "@steady/local-cluster";
import { join } from "node:path";
import { defaultToolchainDir, type CliChoice } from "@steady/deploy";

/** The monorepo root: the nearest ancestor whose package.json declares workspaces. */
export function repoRoot(from = __dirname): string {
  const root = findRepoRoot(from);
  if (root === undefined) throw new Error(`no workspace root above ${from}`);
  return root;
}

/**
 * Where the toolchain build puts its binaries (`bin/pulumi`, ...): @steady/deploy's default
 * (STEADY_TOOLCHAIN_DIR, else ~/.cache/steady/toolchain).
 */
export function toolchainDir(): string {
  return defaultToolchainDir();
}

/** Local state of this checkout (cluster, Pulumi file backend, work dirs): `<repo>/.steady`. */
export function stateDir(): string {
  return process.env.STEADY_STATE_DIR ?? join(repoRoot(), ".steady");
}

/**
 * The Pulumi CLI the repo's runs use: the source-built toolchain (plugin downloads off), unless
 * STEADY_USE_TOOLCHAIN=0 asks for the user's own `pulumi` on PATH with Pulumi's normal plugin
 * handling, as the deploy jobs do with the official CLI that Pulumi's GitHub action installs.
 */
export function repoCliChoice(env: NodeJS.ProcessEnv = process.env): CliChoice {
  return env.STEADY_USE_TOOLCHAIN === "0"
    ? { mode: "path" }
    : { mode: "toolchain", dir: toolchainDir() };
}

/**
 * Points this process's runs at a test tier's own directory: the deploy state (Pulumi file
 * backend, work dirs, reports) in `dir`, the local cluster in `dir/cluster`, and never at
 * whatever KUBECONFIG names, so a tier's clusters and stacks never touch the demo's or another
 * tier's.
 */
export function useTierDirs(dir: string): { clusterDir: string } {
  process.env.STEADY_STATE_DIR = dir;
  const clusterDir = join(dir, "cluster");
  process.env.STEADY_CLUSTER_DIR = clusterDir;
  delete process.env.KUBECONFIG;
  return { clusterDir };
}
