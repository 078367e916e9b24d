import { parseDeployArgs } from "../src/args";

describe("steady-deploy arguments", () => {
  it("reads a guarded up of a stack in another directory", () => {
    expect(
      parseDeployArgs(
        [
          "up",
          "--cwd",
          "/work/shop",
          "--stack",
          "acme/shop/prod",
          "--allow",
          "urn:a",
          "--policy-pack",
          "p1",
          "--policy-pack-config",
          "c1.json",
          "--policy-pack",
          "p2",
          "--rollback-on-failure",
          "--summary-md=s.md",
        ],
        "/home/me",
      ),
    ).toEqual({
      command: "up",
      cwd: "/work/shop",
      stack: "acme/shop/prod",
      createStack: false,
      allow: ["urn:a"],
      config: {},
      policyPacks: ["p1", "p2"],
      policyPackConfigs: ["c1.json"],
      summaryMd: "s.md",
      rollbackOnFailure: true,
      http: false,
    });
  });

  it("defaults to the current directory and the selected stack", () => {
    const a = parseDeployArgs(["preview"], "/home/me/shop");
    expect(a.cwd).toBe("/home/me/shop");
    expect(a.stack).toBeUndefined();
    expect(a.toolchain).toBeUndefined();
  });

  it.each([
    [["up", "--toolchain"], true],
    [["up", "--toolchain", "--stack", "dev"], true],
    [["up", "--toolchain", "/opt/tc"], "/opt/tc"],
    [["up", "--toolchain=/opt/tc"], "/opt/tc"],
  ])("reads %j as toolchain %j", (argv, toolchain) => {
    expect(parseDeployArgs(argv).toolchain).toEqual(toolchain);
  });

  it("reads --config entries, keeping '=' and spaces inside values, and namespaced keys", () => {
    expect(
      parseDeployArgs([
        "up",
        "--config",
        "version=v2",
        "--config",
        "greeting=a = b",
        "--config=kubernetes:context=prod",
        "--config",
        "empty=",
      ]).config,
    ).toEqual({ version: "v2", greeting: "a = b", "kubernetes:context": "prod", empty: "" });
  });

  it.each([
    [["recover", "--stack", "dev"], { command: "recover", stack: "dev" }],
    [
      ["smoke", "--http", "--summary-md", "s.md"],
      { command: "smoke", http: true, summaryMd: "s.md" },
    ],
    [["preview", "--create-stack", "--stack", "o/dev"], { createStack: true, stack: "o/dev" }],
    [["up", "--kubeconfig", "k.yaml"], { kubeconfig: "k.yaml" }],
    [["up", "--parallel", "64"], { command: "up", parallel: 64 }],
    [["preview", "--parallel=3"], { command: "preview", parallel: 3 }],
  ])("reads %j", (argv, expected) => {
    expect(parseDeployArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [[], "no command given: expected one of preview, up, recover, smoke"],
    [["deploy"], 'unknown command "deploy": expected one of preview, up, recover, smoke'],
    [["demo"], 'unknown command "demo"'],
    [["up", "--force"], 'unknown option "--force"'],
    [["up", "--project", "app"], 'unknown option "--project"'],
    [["up", "--stack"], "--stack needs a value"],
    [["up", "--stack", "--allow", "x"], "--stack needs a value"],
    [["up", "--cwd"], "--cwd needs a value"],
    [
      ["up", "--stack", "acme/shop/prod/extra"],
      '--stack "acme/shop/prod/extra" is not a stack name: expected STACK, ORG/STACK or ORG/PROJECT/STACK',
    ],
    [["up", "--stack", "a b"], '--stack "a b" is not a stack name'],
    [["recover", "--config", "a=b"], "--config is not an option of recover"],
    [["recover", "--rollback-on-failure"], "--rollback-on-failure is not an option of recover"],
    [["preview", "--rollback-on-failure"], "--rollback-on-failure is not an option of preview"],
    [["up", "--http"], "--http is not an option of up"],
    [
      ["up", "--parallel", "0"],
      '--parallel "0" is not valid: expected a whole number from 1 to 100000',
    ],
    [
      ["up", "--parallel=lots"],
      '--parallel "lots" is not valid: expected a whole number from 1 to 100000',
    ],
    [["smoke", "--parallel", "8"], "--parallel is not an option of smoke"],
    [["smoke", "--allow", "urn"], "--allow is not an option of smoke"],
    [
      ["up", "--config", "version"],
      '--config "version" is not KEY=VALUE: expected e.g. --config version=v2',
    ],
    [["up", "--config", "=v"], '--config "=v" is not KEY=VALUE'],
    [
      ["up", "--policy-pack-config", "c.json"],
      "--policy-pack-config needs a --policy-pack (one config per pack)",
    ],
  ])("rejects %j with a message naming the input and what is valid", (argv, message) => {
    expect(() => parseDeployArgs(argv)).toThrow(message);
  });
});
