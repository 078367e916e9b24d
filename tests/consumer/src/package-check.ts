import { builtinModules } from "node:module";
import { posix } from "node:path";
import * as ts from "typescript";
import type { LibraryPackage, Manifest } from "./packages";

/** A package as it would be (or was) published: its manifest and its files. */
export interface PackedPackage {
  readonly manifest: Manifest;
  /** Paths relative to the package root, with "/" separators. */
  readonly files: readonly string[];
  /** Reads one of `files` as text. */
  read(path: string): string;
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** The package name of a bare specifier: `@scope/name/sub` → `@scope/name`, `name/sub` → `name`. */
export function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/**
 * Every module a file loads or refers to: `import`/`export ... from`, `import()`, `require()`,
 * `require.resolve()` and `/// <reference types>` (comments and strings are told apart by the
 * TypeScript scanner, so an example in a JSDoc comment does not count).
 */
export function specifiersOf(text: string): string[] {
  const info = ts.preProcessFile(text, true, true);
  const found = [
    ...info.importedFiles.map((f) => f.fileName),
    ...info.typeReferenceDirectives.map((f) => f.fileName),
  ];
  // preProcessFile does not see require.resolve; compiled files keep it on one line.
  for (const m of text.matchAll(/\brequire\.resolve\(\s*["']([^"']+)["']/g)) found.push(m[1]!);
  return [...new Set(found)];
}

/** Candidates a relative specifier can resolve to, for a JavaScript or a declaration file. */
function relativeCandidates(from: string, specifier: string): string[] {
  const base = posix.normalize(posix.join(posix.dirname(from), specifier));
  if (from.endsWith(".d.ts")) {
    const stem = base.replace(/\.js$/, "");
    return [`${stem}.d.ts`, `${stem}/index.d.ts`, base];
  }
  return [base, `${base}.js`, `${base}.json`, `${base}/index.js`];
}

/** Export targets of an `exports` value: [subpath, condition path, target]. */
function exportTargets(exports: unknown): [string, string, string][] {
  const out: [string, string, string][] = [];
  const walk = (subpath: string, conditions: string, value: unknown) => {
    if (typeof value === "string") out.push([subpath, conditions, value]);
    else if (Array.isArray(value)) value.forEach((v) => walk(subpath, conditions, v));
    else if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value))
        walk(subpath, conditions ? `${conditions}.${k}` : k, v);
  };
  if (typeof exports === "string" || Array.isArray(exports)) walk(".", "", exports);
  else if (exports && typeof exports === "object") {
    const keys = Object.keys(exports);
    if (keys.every((k) => k.startsWith("."))) {
      for (const [k, v] of Object.entries(exports)) walk(k, "", v);
    } else walk(".", "", exports);
  }
  return out;
}

/**
 * Checks a package as published: the files it must ship are there, nothing else at the top level,
 * every `bin` is shipped and starts with a node shebang, every `exports` target (and its `types`) exists, `main`/`types` exist, every module a shipped
 * file loads is a shipped file, a Node.js built-in or a declared dependency or peer dependency
 * (never a devDependency: those are not installed for users), every source map's sources are
 * shipped, and no compiled file outlives its source. Returns one line per problem.
 */
export function checkPackedPackage(lib: LibraryPackage, pkg: PackedPackage): string[] {
  const problems: string[] = [];
  const files = new Set(pkg.files);
  const m = pkg.manifest;
  const has = (p: string) => files.has(p.replace(/^\.\//, ""));

  for (const required of ["package.json", "README.md", "CHANGELOG.md", ...lib.extraFiles]) {
    if (!has(required)) problems.push(`${required} is not in the package: add it to "files"`);
  }
  const allowedTop = new Set([
    "package.json",
    "README.md",
    "CHANGELOG.md",
    "LICENSE",
    "dist",
    "src",
    ...lib.extraEntries,
  ]);
  for (const f of pkg.files) {
    const top = f.split("/")[0]!;
    if (!allowedTop.has(top)) problems.push(`${f} is shipped but no user needs it: narrow "files"`);
    if (/(^|\/)(test|__snapshots__)\/|\.test\.[jt]s$|\.tsbuildinfo$/.test(f))
      problems.push(`${f} is a test or build artefact: it must not be shipped`);
  }

  for (const field of ["main", "types"] as const) {
    const target = m[field];
    if (target === undefined) problems.push(`package.json has no "${field}"`);
    else if (!has(target)) problems.push(`"${field}": ${target} is not in the package`);
  }
  const bins = typeof m.bin === "string" ? { [m.name]: m.bin } : (m.bin ?? {});
  for (const [name, target] of Object.entries(bins)) {
    if (!has(target)) problems.push(`bin "${name}": ${target} is not in the package`);
    else if (!pkg.read(target.replace(/^\.\//, "")).startsWith("#!/usr/bin/env node"))
      problems.push(`bin "${name}": ${target} does not start with #!/usr/bin/env node`);
  }
  if (m.exports === undefined) problems.push(`package.json has no "exports"`);
  for (const [subpath, conditions, target] of exportTargets(m.exports)) {
    const where = `exports["${subpath}"]${conditions ? `.${conditions}` : ""}`;
    if (!target.startsWith("./")) {
      problems.push(`${where}: ${target} must start with "./"`);
      continue;
    }
    if (target.includes("*")) {
      const re = new RegExp(
        `^${target
          .slice(2)
          .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
          .replace("*", ".+")}$`,
      );
      if (!pkg.files.some((f) => re.test(f))) problems.push(`${where}: nothing matches ${target}`);
    } else if (!has(target)) problems.push(`${where}: ${target} is not in the package`);
    if (conditions.split(".").pop() === "types" && !target.endsWith(".d.ts"))
      problems.push(`${where}: ${target} is not a declaration file`);
  }
  // Code under dist/ must come with types, listed first (TypeScript takes the first match).
  if (m.exports && typeof m.exports === "object") {
    for (const [subpath, value] of Object.entries(m.exports as Record<string, unknown>)) {
      const js = exportTargets({ [subpath]: value }).filter(([, , t]) =>
        /^\.\/dist\/.*\.js$/.test(t),
      );
      if (js.length === 0) continue;
      const keys = value && typeof value === "object" ? Object.keys(value) : [];
      if (keys[0] !== "types")
        problems.push(
          `exports["${subpath}"] points at compiled code without a "types" condition listed first`,
        );
    }
  }

  const declared = new Map<string, string>();
  for (const d of Object.keys(m.dependencies ?? {})) declared.set(d, "dependency");
  for (const d of Object.keys(m.peerDependencies ?? {})) declared.set(d, "peer dependency");
  const devOnly = new Set(Object.keys(m.devDependencies ?? {}).filter((d) => !declared.has(d)));
  const loaded = new Set<string>();
  for (const f of pkg.files) {
    if (!/\.(c|m)?js$|\.d\.ts$/.test(f)) continue;
    for (const spec of specifiersOf(pkg.read(f))) {
      if (spec.startsWith(".")) {
        if (!relativeCandidates(f, spec).some((c) => files.has(c)))
          problems.push(`${f} loads ${spec}, which is not in the package`);
        continue;
      }
      if (BUILTINS.has(spec) || BUILTINS.has(packageNameOf(spec))) continue;
      const name = packageNameOf(spec);
      loaded.add(name);
      if (name === m.name || declared.has(name)) continue;
      problems.push(
        devOnly.has(name)
          ? `${f} loads ${spec}, but ${name} is only a devDependency: users do not get it; declare it in dependencies or peerDependencies`
          : `${f} loads ${spec}, but ${name} is not a dependency or peer dependency of ${m.name}`,
      );
    }
  }

  const optional = new Set(
    Object.entries(m.peerDependenciesMeta ?? {})
      .filter(([, v]) => v.optional)
      .map(([k]) => k),
  );
  for (const [dep, kind] of declared) {
    if (!loaded.has(dep) && !optional.has(dep))
      problems.push(`${dep} is a ${kind}, but no shipped file loads it: remove it`);
  }

  for (const f of pkg.files.filter((p) => p.endsWith(".map"))) {
    const map = JSON.parse(pkg.read(f)) as { sources?: string[]; sourceRoot?: string };
    for (const s of map.sources ?? []) {
      const p = posix.normalize(posix.join(posix.dirname(f), map.sourceRoot ?? "", s));
      if (!files.has(p)) problems.push(`${f} maps to ${p}, which is not in the package`);
    }
  }

  if (m.files?.includes("src")) {
    for (const f of pkg.files.filter((p) => /^dist\/.*\.js$/.test(p))) {
      const src = f.replace(/^dist\//, "src/").replace(/\.js$/, ".ts");
      if (!files.has(src))
        problems.push(
          `${f} has no source (${src}): a stale build output; rebuild from a clean dist`,
        );
    }
  }
  return problems;
}
