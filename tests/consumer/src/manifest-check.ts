import type { LibraryPackage, Manifest } from "./packages";

/** Peer dependencies every package that uses them declares, with the range users need. */
export const PULUMI_PEERS: Readonly<Record<string, string>> = {
  "@pulumi/pulumi": "^3.248.0",
  "@pulumi/kubernetes": "^4.25.0",
};

/** Whether `version` satisfies a caret range `^x.y.z` (0.x ranges stay within the minor). */
export function satisfiesCaret(range: string, version: string): boolean {
  const r = /^\^(\d+)\.(\d+)\.(\d+)$/.exec(range);
  const v = /^(\d+)\.(\d+)\.(\d+)$/.exec(version);
  if (!r || !v) return false;
  const [rM, rm, rp] = r.slice(1).map(Number) as [number, number, number];
  const [vM, vm, vp] = v.slice(1).map(Number) as [number, number, number];
  if (vM !== rM) return false;
  if (rM === 0 && vm !== rm) return false;
  return vm > rm || (vm === rm && vp >= rp);
}

/**
 * Checks what npm and users read from a library package's package.json: public, described,
 * findable, with the Pulumi SDKs as peer dependencies (one copy in the user's program, never a
 * bundled one) and the other steady packages as caret ranges the workspace versions satisfy.
 * `versions` maps each workspace package name to its version. Returns one line per problem.
 */
export function checkManifest(
  lib: LibraryPackage,
  m: Manifest,
  versions: ReadonlyMap<string, string>,
): string[] {
  const problems: string[] = [];
  if (m.name !== lib.name) problems.push(`name is ${m.name}, expected ${lib.name}`);
  if (m.private) problems.push(`"private": true: npm refuses to publish it`);
  if (m.publishConfig?.access !== "public")
    problems.push(`publishConfig.access is not "public": a scoped package is published restricted`);
  if (!m.description) problems.push("no description");
  if (!m.license) problems.push("no license");
  if (!m.keywords?.length) problems.push("no keywords");
  if (!m.engines?.node) problems.push("no engines.node");
  const repo = m.repository;
  if (typeof repo !== "object" || !repo.url || repo.directory !== `packages/${lib.dir}`)
    problems.push(`repository must be an object with url and directory "packages/${lib.dir}"`);
  if (m.sideEffects === undefined) problems.push("sideEffects is not declared");
  for (const f of ["dist", "src", "README.md", "CHANGELOG.md"])
    if (!m.files?.includes(f)) problems.push(`"files" does not list ${f}`);

  for (const [peer, range] of Object.entries(PULUMI_PEERS)) {
    if (m.dependencies?.[peer])
      problems.push(
        `${peer} is a dependency: make it a peer dependency (${range}) so users' programs and the components share one copy`,
      );
    const declared = m.peerDependencies?.[peer];
    if (declared !== undefined && declared !== range)
      problems.push(`peer dependency ${peer} is ${declared}, expected ${range}`);
  }
  for (const kind of ["dependencies", "peerDependencies", "devDependencies"] as const) {
    for (const [dep, range] of Object.entries(m[kind] ?? {})) {
      if (/^(workspace:|file:|link:|\*$)/.test(range))
        problems.push(`${kind}.${dep} is ${range}: not installable from the registry`);
      const v = versions.get(dep);
      if (v === undefined) continue;
      if (!satisfiesCaret(range, v))
        problems.push(
          `${kind}.${dep} is "${range}": expected a caret range such as "^${v}" that ${v} satisfies`,
        );
    }
  }
  return problems;
}
