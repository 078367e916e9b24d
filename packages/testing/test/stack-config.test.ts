import * as pulumi from "@pulumi/pulumi";
import { join } from "node:path";
import { applyStackConfig, loadStackConfig, promiseOf } from "../src";

const PROJECT_DIR = join(__dirname, "fixtures", "project");

describe("loadStackConfig", () => {
  const loaded = loadStackConfig(PROJECT_DIR, "test");

  it("reads the project name from Pulumi.yaml", () => {
    expect(loaded.project).toBe("fixture-app");
  });

  it("qualifies keys with the project name and keeps other namespaces, encoding values as the engine does", () => {
    expect(loaded.config).toEqual({
      "fixture-app:environment": "test",
      "fixture-app:replicas": "3",
      "fixture-app:debug": "false",
      "fixture-app:rollout": '{"maxSurge":1,"maxUnavailable":0}',
      "fixture-app:zones": '["zone-a","zone-b"]',
      "fixture-app:apiToken": "test-secret-value",
      "kubernetes:context": "kind-steady",
      "fixture-app:logLevel": "info",
    });
  });

  it("replaces secure: values with a placeholder and lists them as secret", () => {
    expect(loaded.secretKeys).toEqual(["fixture-app:apiToken"]);
    expect(loaded.config["fixture-app:apiToken"]).toBe("test-secret-value");
    expect(Object.values(loaded.config).join("\n")).not.toContain("AAABA");
  });

  it("replaces a value given as an override, by short or qualified key", () => {
    const a = loadStackConfig(PROJECT_DIR, "test", { replicas: 5, "kubernetes:context": "other" });
    expect(a.config["fixture-app:replicas"]).toBe("5");
    expect(a.config["kubernetes:context"]).toBe("other");
  });

  it("deletes a key whose override is undefined", () => {
    const a = loadStackConfig(PROJECT_DIR, "test", {
      environment: undefined,
      "kubernetes:context": undefined,
    });
    expect(a.config).not.toHaveProperty(["fixture-app:environment"]);
    expect(a.config).not.toHaveProperty(["kubernetes:context"]);
    expect(Object.keys(a.config)).toHaveLength(Object.keys(loaded.config).length - 2);
  });

  it("adds keys given only as overrides, secret ones included", () => {
    const a = loadStackConfig(PROJECT_DIR, "test", {
      extra: { a: 1 },
      token: { secure: "v1:abc" },
    });
    expect(a.config["fixture-app:extra"]).toBe('{"a":1}');
    expect(a.config["fixture-app:token"]).toBe("test-secret-value");
    expect(a.secretKeys).toEqual(["fixture-app:apiToken", "fixture-app:token"]);
  });

  it("turns a secret into plain text when an override replaces it", () => {
    const a = loadStackConfig(PROJECT_DIR, "test", { apiToken: "plain" });
    expect(a.config["fixture-app:apiToken"]).toBe("plain");
    expect(a.secretKeys).toEqual([]);
  });

  it("does not change the config it loaded before", () => {
    loadStackConfig(PROJECT_DIR, "test", { replicas: 9 });
    expect(loaded.config["fixture-app:replicas"]).toBe("3");
  });

  it("reads an empty stack file as no config", () => {
    expect(loadStackConfig(PROJECT_DIR, "empty")).toEqual({
      project: "fixture-app",
      config: {},
      secretKeys: [],
    });
  });

  it("throws when the stack file does not exist", () => {
    expect(() => loadStackConfig(PROJECT_DIR, "missing")).toThrow(/Pulumi\.missing\.yaml/);
  });
});

describe("applyStackConfig", () => {
  beforeAll(() => applyStackConfig(loadStackConfig(PROJECT_DIR, "test")));

  it("makes the values readable through pulumi.Config", () => {
    const config = new pulumi.Config("fixture-app");
    expect(config.require("environment")).toBe("test");
    expect(config.requireNumber("replicas")).toBe(3);
    expect(config.requireBoolean("debug")).toBe(false);
    expect(config.requireObject("rollout")).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(new pulumi.Config("kubernetes").get("context")).toBe("kind-steady");
  });

  it("marks secure values as secret", async () => {
    const token = new pulumi.Config("fixture-app").requireSecret("apiToken");
    expect(await pulumi.isSecret(token)).toBe(true);
    expect(await promiseOf(token)).toBe("test-secret-value");
  });
});
