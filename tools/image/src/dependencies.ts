import { existsSync, lstatSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { compareBytes } from "./plan";

/** A file of a production dependency, as it goes under /app. */
export interface DependencyFile {
  /** Path relative to the app directory in the image: `node_modules/<package>/<file>`. */
  readonly path: string;
  /** Absolute path on the build machine, symlinks resolved. */
  readonly source: string;
}

/** A package found by Node's resolution: its name, its real directory and its manifest. */
interface FoundPackage {
  readonly name: string;
  readonly dir: string;
  readonly version: string;
  readonly dependencies: readonly string[];
  readonly optional: ReadonlySet<string>;
}

/** Reads the fields the walk needs from `<dir>/package.json`. */
function readManifest(dir: string, name: string): FoundPackage {
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
    version?: unknown;
    dependencies?: Record<string, unknown>;
    optionalDependencies?: Record<string, unknown>;
  };
  const optional = Object.keys(json.optionalDependencies ?? {});
  return {
    name,
    dir,
    version: typeof json.version === "string" ? json.version : "",
    dependencies: [...new Set([...Object.keys(json.dependencies ?? {}), ...optional])],
    optional: new Set(optional),
  };
}

/**
 * Where Node would load `name` from when `fromDir` requires it: the first
 * `node_modules/<name>` in `fromDir` or one of its parents (npm workspaces hoist most packages
 * to the root's node_modules, so the app's own directory usually has none).
 */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", ...name.split("/"));
    if (existsSync(join(candidate, "package.json"))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * Every package the app needs at run time: the `dependencies` (and `optionalDependencies`) of
 * its package.json and theirs, transitively, found as Node finds them from the app directory.
 * The image lays them out flat under /app/node_modules, so two versions of one package cannot
 * both go in: that is refused, naming both, rather than shipping one the other side never
 * tested with.
 * @throws Error naming a missing dependency (and the command that installs it) or a conflict.
 */
export function resolveDependencies(appDir: string): FoundPackage[] {
  const found = new Map<string, FoundPackage>();
  const queue: Array<{ name: string; from: FoundPackage }> = [];
  const app = readManifest(appDir, "(the app)");
  for (const name of app.dependencies) queue.push({ name, from: app });
  while (queue.length > 0) {
    const { name, from } = queue.shift() as { name: string; from: FoundPackage };
    const dir = resolvePackageDir(name, from.dir);
    if (dir === undefined) {
      if (from.optional.has(name)) continue;
      throw new Error(
        `${name}, a dependency of ${from.name}, is not installed: run \`npm ci\` at the repository root`,
      );
    }
    const existing = found.get(name);
    if (existing !== undefined) {
      if (existing.dir === dir) continue;
      throw new Error(
        `two copies of ${name} are needed (${existing.dir} and ${dir}), but the image holds one ` +
          "flat node_modules: align the versions (`npm dedupe`)",
      );
    }
    const pkg = readManifest(dir, name);
    found.set(name, pkg);
    for (const dep of pkg.dependencies) queue.push({ name: dep, from: pkg });
  }
  return [...found.values()].sort((a, b) => compareBytes(a.name, b.name));
}

/**
 * The files of the app's production dependencies, for /app/node_modules, sorted. A package's
 * own nested node_modules is left out: what it needs from there is found by the walk above.
 * Symlinks inside a package are refused, as the image takes only files and directories.
 */
export function listDependencyFiles(appDir: string): DependencyFile[] {
  const files: DependencyFile[] = [];
  for (const pkg of resolveDependencies(appDir)) {
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir).sort(compareBytes)) {
        const full = join(dir, entry);
        const stat = lstatSync(full);
        if (stat.isDirectory()) {
          if (entry !== "node_modules") walk(full);
        } else if (stat.isFile()) {
          const rel = relative(pkg.dir, full).split(sep).join("/");
          files.push({ path: `node_modules/${pkg.name}/${rel}`, source: full });
        } else {
          throw new Error(
            `${full} is neither a regular file nor a directory; the image takes only those`,
          );
        }
      }
    };
    walk(pkg.dir);
  }
  return files.sort((a, b) => compareBytes(a.path, b.path));
}
