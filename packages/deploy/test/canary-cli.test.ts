import { UsageError } from "../src/args";
import { parseCanaryArgs, runCanaryCli } from "../src/canary-cli";

describe("parseCanaryArgs", () => {
  it("takes the canary's own options and leaves the rest to up's parser", () => {
    const a = parseCanaryArgs(
      [
        "--canary-image",
        "steady/hello:1.1.0",
        "--canary-version",
        "v2",
        "--stack",
        "prod",
        "--window",
        "30",
        "--failure-ratio",
        "0.2",
      ],
      "/repo",
    );
    expect(a.target).toEqual({ image: "steady/hello:1.1.0", version: "v2", failureRatio: "0.2" });
    expect(a.windowSeconds).toBe(30);
    expect(a.port).toBe(8080);
    expect(a.deploy.command).toBe("up");
    expect(a.deploy.stack).toBe("prod");
    expect(a.deploy.cwd).toBe("/repo");
  });

  it("reports every bad option at once, naming it and what is valid", () => {
    expect(() =>
      parseCanaryArgs([
        "--canary-version",
        "v 2",
        "--window",
        "0",
        "--port",
        "70000",
        "--failure-ratio",
        "20%",
      ]),
    ).toThrow(
      new UsageError(
        [
          "--canary-image is required: the image of the version under test",
          "--canary-version is required: a label value such as v1.2.4",
          '--failure-ratio "20%": expected a decimal from 0 to 1 with at most 3 decimal places',
          '--window "0": expected whole seconds from 1 to 3600',
          '--port "70000": expected a port from 1 to 65535',
        ].join("\n"),
      ),
    );
  });

  it("refuses an option without its value", () => {
    expect(() => parseCanaryArgs(["--canary-image", "--stack", "prod"])).toThrow(
      "--canary-image needs a value",
    );
  });
});

describe("runCanaryCli", () => {
  it("exits 2 with the usage on bad options, before opening any stack", async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(console, "error").mockImplementation((m: string) => errors.push(m));
    const open = jest.fn();
    try {
      expect(await runCanaryCli(["--canary-image", "x"], open)).toBe(2);
    } finally {
      spy.mockRestore();
    }
    expect(open).not.toHaveBeenCalled();
    expect(errors[0]).toMatch(
      /^steady-deploy canary: --canary-version is required[\s\S]*usage: steady-deploy canary/,
    );
  });
});
