import * as yaml from "js-yaml";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECTS, prepareWorkDir } from "../src";

describe("prepareWorkDir", () => {
  const state = mkdtempSync(join(tmpdir(), "steady-work-"));
  beforeAll(() => {
    process.env.STEADY_STATE_DIR = state;
  });
  afterAll(() => {
    delete process.env.STEADY_STATE_DIR;
  });

  it("writes the project file pointing at the compiled program and the committed config with overrides", () => {
    const dir = prepareWorkDir(PROJECTS.app, "dev", "it-dev", {
      version: "v2",
      replicas: 3,
      greeting: null,
    });
    const project = yaml.load(readFileSync(join(dir, "Pulumi.yaml"), "utf8")) as {
      name: string;
      main: string;
    };
    expect(project.name).toBe("steady-app");
    expect(
      require.resolve(join(dir, project.main).replace(/dist\/index\.js$/, "package.json")),
    ).toContain("stacks/sample-app");
    const stack = yaml.load(readFileSync(join(dir, "Pulumi.it-dev.yaml"), "utf8")) as {
      config: Record<string, unknown>;
    };
    expect(stack.config["steady-app:version"]).toBe("v2");
    expect(stack.config["steady-app:replicas"]).toBe(3);
    expect(stack.config["steady-app:image"]).toBe("steady/hello:1.0.0");
    expect(stack.config).not.toHaveProperty("steady-app:greeting");
  });

  it("keeps the encryption salt Pulumi wrote for the stack", () => {
    const dir = prepareWorkDir(PROJECTS.app, "dev", "salted");
    writeFileSync(
      join(dir, "Pulumi.salted.yaml"),
      yaml.dump({ encryptionsalt: "v1:abc", config: {} }),
    );
    prepareWorkDir(PROJECTS.app, "dev", "salted", { version: "v3" });
    const stack = yaml.load(readFileSync(join(dir, "Pulumi.salted.yaml"), "utf8")) as {
      encryptionsalt: string;
      config: Record<string, unknown>;
    };
    expect(stack.encryptionsalt).toBe("v1:abc");
    expect(stack.config["steady-app:version"]).toBe("v3");
  });
});
