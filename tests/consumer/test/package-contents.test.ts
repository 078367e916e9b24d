import { readFileSync } from "node:fs";
import { join } from "node:path";
import { checkPackedPackage, specifiersOf, type PackedPackage } from "../src/package-check";
import { LIBRARY_PACKAGES, REPO_ROOT, type LibraryPackage, type Manifest } from "../src/packages";
import { run } from "../src/run";

/** What `npm pack --dry-run` would put in each package's tarball, by package name. */
let packLists: Map<string, string[]>;

beforeAll(async () => {
  const out = await run(
    "npm",
    [
      "pack",
      "--dry-run",
      "--json",
      ...LIBRARY_PACKAGES.flatMap((p) => ["-w", `packages/${p.dir}`]),
    ],
    { cwd: REPO_ROOT },
  );
  const reports = JSON.parse(out) as { name: string; files: { path: string }[] }[];
  packLists = new Map(reports.map((r) => [r.name, r.files.map((f) => f.path).sort()]));
});

describe.each(LIBRARY_PACKAGES.map((p) => [p.name, p] as const))(
  "what npm would pack of %s",
  (_n, lib) => {
    it("holds every export target, its types and every module its files load, and nothing else", () => {
      const dir = join(REPO_ROOT, "packages", lib.dir);
      const files = packLists.get(lib.name);
      expect(files).toBeDefined();
      const pkg: PackedPackage = {
        manifest: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest,
        files: files!,
        read: (p) => readFileSync(join(dir, p), "utf8"),
      };
      expect(checkPackedPackage(lib, pkg)).toEqual([]);
    });
  },
);

describe("specifiersOf", () => {
  it("finds imports, requires, dynamic imports, type references and require.resolve, not comments", () => {
    const text = [
      '/// <reference types="jest" />',
      '/** Example: import { Cluster } from "@steady/cluster"; */',
      '// const x = require("commented-out");',
      'import type { A } from "./types";',
      'export * from "./labels";',
      'const k8s = require("@pulumi/kubernetes");',
      'const t = require.resolve("@swc/jest");',
      'type P = import("@pulumi/pulumi").Output<string>;',
    ].join("\n");
    expect(specifiersOf(text).sort()).toEqual(
      ["./labels", "./types", "@pulumi/kubernetes", "@pulumi/pulumi", "@swc/jest", "jest"].sort(),
    );
  });
});

describe("checkPackedPackage", () => {
  const lib: LibraryPackage = {
    dir: "demo",
    name: "@steady/demo",
    extraFiles: [],
    extraEntries: [],
  };
  const manifest: Manifest = {
    name: "@steady/demo",
    version: "0.1.0",
    main: "dist/index.js",
    types: "dist/index.d.ts",
    exports: {
      ".": { types: "./dist/index.d.ts", default: "./dist/index.js" },
      "./package.json": "./package.json",
    },
    files: ["dist", "src", "README.md", "CHANGELOG.md"],
    dependencies: { "@steady/core": "^0.1.0" },
    peerDependencies: { "@pulumi/pulumi": "^3.248.0" },
    devDependencies: { "@steady/testing": "^0.1.0" },
  };
  const sources: Record<string, string> = {
    "package.json": "{}",
    "README.md": "# demo",
    "CHANGELOG.md": "# @steady/demo",
    "src/index.ts": 'export * from "./a";',
    "src/a.ts": 'import * as pulumi from "@pulumi/pulumi";',
    "dist/index.js": 'Object.assign(exports, require("./a"));\n//# sourceMappingURL=index.js.map',
    "dist/index.js.map": '{"version":3,"sources":["../src/index.ts"]}',
    "dist/index.d.ts": 'export * from "./a";\n//# sourceMappingURL=index.d.ts.map',
    "dist/index.d.ts.map": '{"version":3,"sources":["../src/index.ts"]}',
    "dist/a.js":
      'const pulumi = require("@pulumi/pulumi");\nconst core = require("@steady/core");\nconst fs = require("node:fs");',
    "dist/a.d.ts": 'import * as pulumi from "@pulumi/pulumi";',
  };
  const pack = (
    change: { files?: Record<string, string | undefined>; manifest?: Partial<Manifest> } = {},
    forLib: LibraryPackage = lib,
  ): string[] => {
    const all = { ...sources, ...change.files };
    const files = Object.keys(all).filter((f) => all[f] !== undefined);
    return checkPackedPackage(forLib, {
      manifest: { ...manifest, ...change.manifest },
      files,
      read: (p) => all[p]!,
    });
  };

  it("passes a complete package", () => {
    expect(pack()).toEqual([]);
  });

  it.each<[string, Parameters<typeof pack>[0], string]>([
    [
      "a bin that is not shipped",
      { manifest: { bin: { "steady-demo": "dist/cli.js" } } },
      'bin "steady-demo": dist/cli.js is not in the package',
    ],
    [
      "a bin without a node shebang (npx would run it as a shell script)",
      { manifest: { bin: { "steady-demo": "dist/a.js" } } },
      'bin "steady-demo": dist/a.js does not start with #!/usr/bin/env node',
    ],
    [
      "an import of a package it does not declare",
      { files: { "dist/a.js": 'require("js-yaml");' } },
      "dist/a.js loads js-yaml, but js-yaml is not a dependency or peer dependency of @steady/demo",
    ],
    [
      "an import of a devDependency",
      { files: { "dist/a.d.ts": 'import type { MockRecorder } from "@steady/testing";' } },
      "dist/a.d.ts loads @steady/testing, but @steady/testing is only a devDependency: users do not get it; declare it in dependencies or peerDependencies",
    ],
    [
      "a compiled file that is not shipped",
      { files: { "dist/a.js": undefined, "src/a.ts": undefined } },
      "dist/index.js loads ./a, which is not in the package",
    ],
    [
      "a missing declaration file",
      { files: { "dist/index.d.ts": undefined } },
      'exports["."].types: ./dist/index.d.ts is not in the package',
    ],
    [
      "an export target that is not shipped",
      {
        manifest: {
          exports: {
            ...(manifest.exports as object),
            "./lib": { types: "./dist/lib.d.ts", default: "./dist/lib.js" },
          },
        },
      },
      'exports["./lib"].default: ./dist/lib.js is not in the package',
    ],
    [
      "types listed after the code",
      {
        manifest: { exports: { ".": { default: "./dist/index.js", types: "./dist/index.d.ts" } } },
      },
      'exports["."] points at compiled code without a "types" condition listed first',
    ],
    [
      "a declaration map whose source is not shipped",
      { files: { "src/index.ts": undefined } },
      "dist/index.d.ts.map maps to src/index.ts, which is not in the package",
    ],
    [
      "a stale compiled file",
      { files: { "dist/old.js": "", "dist/old.d.ts": "" } },
      "dist/old.js has no source (src/old.ts): a stale build output; rebuild from a clean dist",
    ],
    [
      "a dependency nothing loads",
      { manifest: { dependencies: { "@steady/core": "^0.1.0", "js-yaml": "^4.1.0" } } },
      "js-yaml is a dependency, but no shipped file loads it: remove it",
    ],
    [
      "a missing CHANGELOG",
      { files: { "CHANGELOG.md": undefined } },
      'CHANGELOG.md is not in the package: add it to "files"',
    ],
    [
      "a shipped test",
      { files: { "src/a.test.ts": "" } },
      "src/a.test.ts is a test or build artefact: it must not be shipped",
    ],
    [
      "a top-level file no user needs",
      { files: { "tsconfig.json": "{}" } },
      'tsconfig.json is shipped but no user needs it: narrow "files"',
    ],
  ])("reports %s", (_what, change, message) => {
    expect(pack(change)).toContain(message);
  });

  it("reports a run-time file the package needs but does not ship (the policy pack's config)", () => {
    const policy = LIBRARY_PACKAGES.find((p) => p.name === "@steady/policy")!;
    expect(
      pack({ files: { "PulumiPolicy.yaml": "runtime: nodejs", "config/dev.json": "{}" } }, policy),
    ).toEqual([
      'config/staging.json is not in the package: add it to "files"',
      'config/prod.json is not in the package: add it to "files"',
    ]);
  });
});
