// `npm run compat:baseline -w @steady/consumer-tests`: packs the library packages as they are
// now, installs them into a project outside the workspace, runs the consumer program under mocks
// in every scenario and writes compat/baseline-<version>.json. Run it when a version is released
// (after `npm run version-packages`), and commit the file: from then on the compatibility check
// holds every later change to it.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { sortByUrn, type Baseline } from "./compat";
import { COMPAT_DIR, REPO_ROOT } from "./packages";
import { SCENARIOS } from "./scenarios";
import { compileProgram, createConsumerProject, packLibraries, recordInProject } from "./scratch";

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "steady-compat-"));
  try {
    const packed = await packLibraries(join(work, "tarballs"));
    const versions = new Set(packed.map((p) => p.version));
    if (versions.size !== 1)
      throw new Error(
        `the packages have different versions (${packed.map((p) => `${p.name}@${p.version}`).join(", ")}): release them together`,
      );
    const [version] = [...versions];
    const project = join(work, "consumer");
    await createConsumerProject(
      project,
      packed.map((p) => p.tarball),
    );
    await compileProgram(project);
    const scenarios: Baseline["scenarios"] = {};
    for (const [name, config] of Object.entries(SCENARIOS)) {
      scenarios[name] = {
        config: { ...config },
        resources: sortByUrn(await recordInProject(project, config)),
      };
    }
    const baseline: Baseline = {
      version: version!,
      packages: Object.fromEntries(packed.map((p) => [p.name, p.version])),
      refresh: "npm run compat:baseline -w @steady/consumer-tests",
      scenarios,
    };
    const file = join(COMPAT_DIR, `baseline-${version}.json`);
    writeFileSync(file, `${JSON.stringify(baseline, null, 2)}\n`);
    const counts = Object.entries(scenarios).map(([n, s]) => `${n}: ${s.resources.length}`);
    console.log(
      `wrote ${relative(REPO_ROOT, file)} (resources per scenario: ${counts.join(", ")})`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
