import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** Environment variable that overrides the default data directory. */
export const CLUSTER_DIR_ENV = "STEADY_CLUSTER_DIR";

/** Component names, in start order. */
export const COMPONENTS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kwok",
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

/** The real node's processes, in start order. */
export const NODE_COMPONENTS = ["containerd", "kubelet", "kube-proxy"] as const;
export type NodeComponentName = (typeof NODE_COMPONENTS)[number];

/**
 * The nearest ancestor of `from` (itself included) whose package.json declares "workspaces":
 * the monorepo root. Undefined outside the repository.
 */
export function findRepoRoot(from: string = process.cwd()): string | undefined {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        const json = JSON.parse(readFileSync(pkg, "utf8")) as { workspaces?: unknown };
        if (json.workspaces !== undefined) return dir;
      } catch {
        // An unreadable package.json is not a workspace root; keep walking up.
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * The cluster's data directory: `$STEADY_CLUSTER_DIR` when set, else `<repo root>/.steady/cluster`
 * (the repo root found from the working directory, falling back to this package's checkout).
 */
export function resolveDataDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const fromEnv = env[CLUSTER_DIR_ENV];
  if (fromEnv) return resolve(cwd, fromEnv);
  const root = findRepoRoot(cwd) ?? findRepoRoot(__dirname);
  if (!root) {
    throw new Error(
      `Cannot find the repository root from ${cwd}; pass --dir <dataDir> or set ${CLUSTER_DIR_ENV}.`,
    );
  }
  return join(root, ".steady", "cluster");
}

/** Where everything lives inside a data directory. */
export interface Layout {
  readonly dataDir: string;
  readonly stateFile: string;
  /** The ports of the last start; kept after `down` so the next `up` can reuse them. */
  readonly portsFile: string;
  readonly lockFile: string;
  readonly kubeconfig: string;
  readonly etcdDataDir: string;
  readonly pkiDir: string;
  readonly logsDir: string;
  /** Per-component kubeconfigs (controller-manager, scheduler, kwok). */
  readonly kubeconfigsDir: string;
  /** Working directory of kwok (its HOME, so no personal ~/.kwok config leaks in). */
  readonly kwokDir: string;
  /** Everything of the real node (`up --real-node`): containerd, kubelet, CNI; see nodeLayout. */
  readonly nodeDir: string;
  logFile(component: ComponentName | NodeComponentName): string;
}

export function layout(dataDir: string): Layout {
  const dir = resolve(dataDir);
  return {
    dataDir: dir,
    stateFile: join(dir, "state.json"),
    portsFile: join(dir, "ports.json"),
    lockFile: join(dir, "lock"),
    kubeconfig: join(dir, "kubeconfig"),
    etcdDataDir: join(dir, "etcd"),
    pkiDir: join(dir, "pki"),
    logsDir: join(dir, "logs"),
    kubeconfigsDir: join(dir, "kubeconfigs"),
    kwokDir: join(dir, "kwok"),
    nodeDir: join(dir, "node"),
    logFile: (component) => join(dir, "logs", `${component}.log`),
  };
}

/** The Stage objects kwok runs with (shipped with this package, next to dist/ and src/). */
export function kwokStagesFile(): string {
  return resolve(__dirname, "..", "kwok", "stages.yaml");
}
