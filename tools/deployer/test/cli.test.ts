import { parseArgs } from "../src/cli";

describe("steady-deploy arguments", () => {
  it("reads a guarded up with allowed URNs", () => {
    expect(
      parseArgs([
        "up",
        "--project",
        "app",
        "--env",
        "prod",
        "--allow",
        "urn:a",
        "--allow",
        "urn:b",
      ]),
    ).toEqual({
      command: "up",
      env: "prod",
      project: "app",
      allow: ["urn:a", "urn:b"],
      rollbackOnFailure: false,
    });
    expect(parseArgs(["up", "--project", "app", "--rollback-on-failure"]).rollbackOnFailure).toBe(
      true,
    );
  });

  it.each([
    [["deploy"], 'unknown command "deploy"'],
    [["up", "--env", "prod"], "up needs --project platform|app"],
    [["preview", "--project", "db"], '--project "db" is not a project: expected platform or app'],
    [["demo", "--env", "qa"], '--env "qa" is not an environment: expected dev, staging or prod'],
    [["up", "--project"], "--project needs a value"],
    [["up", "--force"], 'unknown option "--force"'],
  ])("rejects %j with a clear message", (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
  });
});
