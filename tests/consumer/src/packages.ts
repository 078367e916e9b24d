import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The nearest directory at or above `from` whose package.json passes `test`. */
function findUp(
  from: string,
  test: (pkg: { name?: string; workspaces?: unknown }) => boolean,
): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file) && test(JSON.parse(readFileSync(file, "utf8")))) return dir;
    if (dirname(dir) === dir) throw new Error(`no matching package.json above ${from}`);
  }
}

/** This workspace's directory (tests/consumer), from source or from its compiled copy. */
export const CONSUMER_DIR = findUp(__dirname, (p) => p.name === "@steady/consumer-tests");

/** The repository root: the workspace root above this workspace. */
export const REPO_ROOT = findUp(dirname(CONSUMER_DIR), (p) => p.workspaces !== undefined);

/** A library package the platform teams install, and what it must ship besides code. */
export interface LibraryPackage {
  /** Directory under packages/. */
  readonly dir: string;
  /** npm name. */
  readonly name: string;
  /** Files the package needs at run time that are not code (relative to the package root). */
  readonly extraFiles: readonly string[];
  /** Top-level entries `files` may hold besides dist, src, README.md and CHANGELOG.md. */
  readonly extraEntries: readonly string[];
}

/** Every published package of the repository, dependencies first. */
export const LIBRARY_PACKAGES: readonly LibraryPackage[] = [
  { dir: "core", name: "@steady/core", extraFiles: [], extraEntries: [] },
  {
    dir: "testing",
    name: "@steady/testing",
    extraFiles: ["jest-preset.js"],
    extraEntries: ["jest-preset.js"],
  },
  { dir: "pod", name: "@steady/pod", extraFiles: [], extraEntries: [] },
  { dir: "cluster", name: "@steady/cluster", extraFiles: [], extraEntries: [] },
  { dir: "deployment", name: "@steady/deployment", extraFiles: [], extraEntries: [] },
  {
    dir: "policy",
    name: "@steady/policy",
    extraFiles: ["PulumiPolicy.yaml", "config/dev.json", "config/staging.json", "config/prod.json"],
    extraEntries: ["PulumiPolicy.yaml", "config"],
  },
  { dir: "deploy", name: "@steady/deploy", extraFiles: ["dist/cli.js"], extraEntries: [] },
];

/** The fields of package.json these checks read. */
export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly keywords?: string[];
  readonly license?: string;
  readonly repository?: { type?: string; url?: string; directory?: string } | string;
  readonly engines?: Record<string, string>;
  readonly main?: string;
  readonly types?: string;
  readonly bin?: string | Record<string, string>;
  readonly exports?: unknown;
  readonly files?: string[];
  readonly sideEffects?: boolean | string[];
  readonly publishConfig?: { access?: string };
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  readonly devDependencies?: Record<string, string>;
}

/** Reads a library package's package.json from the workspace. */
export function workspaceManifest(pkg: LibraryPackage): Manifest {
  return JSON.parse(
    readFileSync(join(REPO_ROOT, "packages", pkg.dir, "package.json"), "utf8"),
  ) as Manifest;
}

/** The fixture program's directory (copied into each scratch project). */
export const FIXTURE_DIR = join(CONSUMER_DIR, "fixture");

/** Where the committed compatibility baselines live. */
export const COMPAT_DIR = join(CONSUMER_DIR, "compat");
