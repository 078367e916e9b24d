import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The sample app, relative to the repository root. */
export const DEFAULT_APP = join("apps", "hello");

/** Name of the archive in the output directory: `<name>.oci.tar`. */
export const archiveName = (name: string): string => `${name}.oci.tar`;

/** Name of the OCI layout directory inside the output directory. */
export const LAYOUT_DIR = "oci";

/** Name of the build record inside the output directory. */
export const INFO_FILE = "image.json";

/**
 * The nearest ancestor of `from` (itself included) whose package.json declares "workspaces":
 * the monorepo root. Undefined outside the repository. steady-image keeps its own copy of this
 * rule (local-cluster has the other) because it has no dependencies: it must run from a bare
 * copy of its dist/ as an unprivileged user who cannot read the repository's node_modules (the
 * rootless build test does exactly that).
 */
export function findRepoRoot(from: string = process.cwd()): string | undefined {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      try {
        const json = JSON.parse(readFileSync(manifest, "utf8")) as { workspaces?: unknown };
        if (json.workspaces !== undefined) return dir;
      } catch {
        // An unreadable package.json is not the workspace root; keep walking up.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The repository root, found from the working directory, else from this package's checkout.
 * @throws Error when neither is inside the repository.
 */
export function repoRoot(cwd: string = process.cwd()): string {
  const root = findRepoRoot(cwd) ?? findRepoRoot(__dirname);
  if (root === undefined) {
    throw new Error(`cannot find the repository root from ${cwd}; pass --app and --out explicitly`);
  }
  return root;
}

/** The default app directory: `<repo>/apps/hello`. */
export function defaultAppDir(cwd: string = process.cwd()): string {
  return join(repoRoot(cwd), DEFAULT_APP);
}

/** The default output directory of an image: `<repo>/.steady/images/<name>`. */
export function defaultOutDir(name: string, cwd: string = process.cwd()): string {
  return join(repoRoot(cwd), ".steady", "images", name);
}
