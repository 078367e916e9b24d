import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as os from "node:os";
import { join } from "node:path";
import type { Machine } from "./results";

/** First line of a command's output, or undefined when it fails. */
function firstLine(cmd: string, args: string[], opts: { cwd?: string; path?: string } = {}) {
  try {
    const out = execFileSync(cmd, args, {
      encoding: "utf8",
      timeout: 20_000,
      stdio: ["ignore", "pipe", "pipe"],
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      env: { ...process.env, ...(opts.path ? { PATH: opts.path } : {}) },
    });
    return out.trim().split("\n")[0]?.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** `KEY=VALUE` lines of the toolchain's versions.env. */
export function parseVersionsEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/**
 * The machine the numbers come from: CPU, cores, memory, kernel, load, and the versions of
 * everything measured (tools from the toolchain's bin directory, found on `path`).
 */
export function describeMachine(repoRoot: string, path: string): Machine {
  const cpus = os.cpus();
  let pinned: Record<string, string> = {};
  try {
    pinned = parseVersionsEnv(
      readFileSync(join(repoRoot, "tools", "toolchain", "versions.env"), "utf8"),
    );
  } catch {
    // not in a checkout with the toolchain: versions come from the binaries alone
  }
  const versions: Record<string, string> = { node: process.version.replace(/^v/, "") };
  const found: Record<string, string | undefined> = {
    npm: firstLine("npm", ["--version"]),
    pulumi: firstLine("pulumi", ["version"], { path })?.replace(/^v/, ""),
    "pulumi-resource-kubernetes": pinned.PULUMI_KUBERNETES_VERSION,
    kubectl: firstLine("kubectl", ["version", "--client"], { path })?.replace(
      /^Client Version: v/,
      "",
    ),
    "kube-apiserver": firstLine("kube-apiserver", ["--version"], { path })?.replace(
      /^Kubernetes v/,
      "",
    ),
    etcd: firstLine("etcd", ["--version"], { path })?.replace(/^etcd Version: /, ""),
    kwok: firstLine("kwok", ["--version"], { path })?.replace(/^kwok version v?/, ""),
    typescript: readJsonVersion(repoRoot, "typescript"),
    "ts-node": readJsonVersion(repoRoot, "ts-node"),
    "@pulumi/pulumi": readJsonVersion(repoRoot, "@pulumi/pulumi"),
    "@pulumi/kubernetes": readJsonVersion(repoRoot, "@pulumi/kubernetes"),
    turbo: readJsonVersion(repoRoot, "turbo"),
    jest: readJsonVersion(repoRoot, "jest"),
  };
  for (const [k, v] of Object.entries(found)) if (v) versions[k] = v;
  const commit = firstLine("git", ["rev-parse", "HEAD"], { cwd: repoRoot });
  // --no-optional-locks: a read-only look that never rewrites the index.
  const status = commit
    ? firstLine("git", ["--no-optional-locks", "status", "--porcelain", "--untracked-files=no"], {
        cwd: repoRoot,
      })
    : undefined;
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.arch()}`,
    kernel: os.release(),
    loadAverage: { start: round2(os.loadavg()[0]!), sections: {} },
    versions,
    ...(commit ? { commit, dirty: status !== undefined } : {}),
  };
}

function readJsonVersion(root: string, pkg: string): string | undefined {
  try {
    return (
      JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")) as {
        version?: string;
      }
    ).version;
  } catch {
    return undefined;
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** The 1-minute load average now, rounded. */
export function loadNow(): number {
  return round2(os.loadavg()[0]!);
}
