import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDir } from "@steady/testing";
import { listDependencyFiles, resolveDependencies } from "../src/dependencies";
import { planRootfs } from "../src/plan";

/** Writes `<dir>/package.json` (and an index.js) for a package. */
function pkg(dir: string, json: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify(json));
  writeFileSync(join(dir, "index.js"), "module.exports = 1;\n");
}

describe("listDependencyFiles", () => {
  const t = useTempDir();

  /** A workspace: root node_modules with hoisted packages, the app in apps/hello. */
  function workspace(appDeps: Record<string, string>): string {
    const app = join(t.dir, "apps", "hello");
    pkg(app, { name: "@steady/hello", version: "1.0.0", dependencies: appDeps });
    pkg(join(t.dir, "node_modules", "prom-client"), {
      name: "prom-client",
      version: "15.1.3",
      dependencies: { tdigest: "^0.1.1", "@opentelemetry/api": "^1.4.0" },
      optionalDependencies: { "not-installed": "1" },
    });
    mkdirSync(join(t.dir, "node_modules", "prom-client", "lib"), { recursive: true });
    writeFileSync(join(t.dir, "node_modules", "prom-client", "lib", "registry.js"), "\n");
    pkg(join(t.dir, "node_modules", "tdigest"), {
      name: "tdigest",
      version: "0.1.2",
      dependencies: { bintrees: "1.0.2" },
    });
    pkg(join(t.dir, "node_modules", "bintrees"), { name: "bintrees", version: "1.0.2" });
    pkg(join(t.dir, "node_modules", "@opentelemetry", "api"), {
      name: "@opentelemetry/api",
      version: "1.9.0",
    });
    // Dev-only packages of the workspace must stay out.
    pkg(join(t.dir, "node_modules", "jest"), { name: "jest", version: "29.7.0" });
    return app;
  }

  it("takes the app's dependencies and theirs, found the way Node finds them, and nothing else", () => {
    const app = workspace({ "prom-client": "^15.1.3" });
    expect(listDependencyFiles(app).map((f) => f.path)).toEqual([
      "node_modules/@opentelemetry/api/index.js",
      "node_modules/@opentelemetry/api/package.json",
      "node_modules/bintrees/index.js",
      "node_modules/bintrees/package.json",
      "node_modules/prom-client/index.js",
      "node_modules/prom-client/lib/registry.js",
      "node_modules/prom-client/package.json",
      "node_modules/tdigest/index.js",
      "node_modules/tdigest/package.json",
    ]);
    expect(listDependencyFiles(app)[0]?.source).toBe(
      join(t.dir, "node_modules", "@opentelemetry", "api", "index.js"),
    );
  });

  it("takes nothing for an app without dependencies", () => {
    expect(listDependencyFiles(workspace({}))).toEqual([]);
  });

  it("names a missing dependency and the command that installs it", () => {
    const app = workspace({ "prom-client": "^15.1.3", leftpad: "1" });
    expect(() => listDependencyFiles(app)).toThrow(
      "leftpad, a dependency of (the app), is not installed: run `npm ci` at the repository root",
    );
  });

  it("refuses two copies of one package, which a flat node_modules cannot hold", () => {
    const app = workspace({ "prom-client": "^15.1.3", other: "1" });
    pkg(join(t.dir, "node_modules", "other"), {
      name: "other",
      version: "1.0.0",
      dependencies: { bintrees: "2" },
    });
    pkg(join(t.dir, "node_modules", "other", "node_modules", "bintrees"), {
      name: "bintrees",
      version: "2.0.0",
    });
    expect(() => resolveDependencies(app)).toThrow(/two copies of bintrees are needed/);
  });

  it("lands the files under /app/node_modules in the rootfs plan, read-only", () => {
    const app = workspace({ "prom-client": "^15.1.3" });
    const plan = planRootfs({
      appDir: app,
      appFiles: ["package.json"],
      dependencyFiles: listDependencyFiles(app),
      nodeBinary: "/usr/bin/node",
      libraries: [],
    });
    const entry = plan.find((e) => e.path === "/app/node_modules/prom-client/lib/registry.js");
    expect(entry).toEqual(expect.objectContaining({ type: "file", mode: 0o644 }));
    expect(plan.find((e) => e.path === "/app/node_modules/prom-client/lib")?.type).toBe("dir");
  });
});
