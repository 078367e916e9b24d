import { checkManifest, satisfiesCaret } from "../src/manifest-check";
import { LIBRARY_PACKAGES, workspaceManifest, type Manifest } from "../src/packages";

const versions = new Map(LIBRARY_PACKAGES.map((p) => [p.name, workspaceManifest(p).version]));

describe.each(LIBRARY_PACKAGES.map((p) => [p.name, p] as const))(
  "package.json of %s",
  (_n, lib) => {
    it("is ready to publish: public, described, Pulumi SDKs as peers, caret ranges between packages", () => {
      expect(checkManifest(lib, workspaceManifest(lib), versions)).toEqual([]);
    });
  },
);

describe("checkManifest", () => {
  const deployment = LIBRARY_PACKAGES.find((p) => p.name === "@steady/deployment")!;
  const good = workspaceManifest(deployment);
  const broken = (change: Partial<Record<keyof Manifest, unknown>>) =>
    checkManifest(deployment, { ...good, ...change } as Manifest, versions);

  it.each<[string, Partial<Record<keyof Manifest, unknown>>, string]>([
    ["a private package", { private: true }, `"private": true: npm refuses to publish it`],
    [
      "no public access",
      { publishConfig: undefined },
      `publishConfig.access is not "public": a scoped package is published restricted`,
    ],
    [
      "a bundled Pulumi SDK",
      { dependencies: { ...good.dependencies, "@pulumi/pulumi": "3.248.0" } },
      "@pulumi/pulumi is a dependency: make it a peer dependency (^3.248.0) so users' programs and the components share one copy",
    ],
    [
      "a peer range users cannot meet",
      { peerDependencies: { ...good.peerDependencies, "@pulumi/kubernetes": "4.25.0" } },
      "peer dependency @pulumi/kubernetes is 4.25.0, expected ^4.25.0",
    ],
    [
      "an exact internal version",
      { dependencies: { ...good.dependencies, "@steady/core": "0.1.0" } },
      `dependencies.@steady/core is "0.1.0": expected a caret range such as "^0.1.0" that 0.1.0 satisfies`,
    ],
    [
      "a workspace protocol range",
      { dependencies: { ...good.dependencies, "@steady/pod": "workspace:*" } },
      "dependencies.@steady/pod is workspace:*: not installable from the registry",
    ],
    [
      "a repository without the package's directory",
      { repository: { type: "git", url: "git+https://example.com/x.git" } },
      `repository must be an object with url and directory "packages/deployment"`,
    ],
    [
      "no CHANGELOG in files",
      { files: ["dist", "src", "README.md"] },
      `"files" does not list CHANGELOG.md`,
    ],
    ["undeclared side effects", { sideEffects: undefined }, "sideEffects is not declared"],
  ])("reports %s", (_what, change, message) => {
    expect(broken(change)).toContain(message);
  });
});

describe("satisfiesCaret", () => {
  it.each([
    ["^0.1.0", "0.1.0", true],
    ["^0.1.0", "0.1.5", true],
    ["^0.1.0", "0.2.0", false],
    ["^0.1.2", "0.1.1", false],
    ["^1.2.0", "1.9.0", true],
    ["^1.2.0", "2.0.0", false],
    ["0.1.0", "0.1.0", false],
  ])("%s with %s is %s", (range, version, ok) => {
    expect(satisfiesCaret(range, version)).toBe(ok);
  });
});
