import type { Stack } from "@pulumi/pulumi/automation";
import { useTempDir } from "@steady/testing";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { UsageError } from "../src/args";
import type { RunTarget } from "../src/prepared-run";
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
    expect(a.checkEverySeconds).toBe(5);
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

  it("looks every 5 s by default, never less often than the window, and refuses a look beyond it", () => {
    const args = ["--canary-image", "i", "--canary-version", "v2"];
    expect(parseCanaryArgs([...args, "--window", "3"]).checkEverySeconds).toBe(3);
    expect(parseCanaryArgs([...args, "--check-every", "10"]).checkEverySeconds).toBe(10);
    expect(() => parseCanaryArgs([...args, "--window", "30", "--check-every", "40"])).toThrow(
      new UsageError('--check-every "40": expected whole seconds from 1 to the window (30)'),
    );
    expect(() => parseCanaryArgs([...args, "--check-every", "0"])).toThrow(
      new UsageError('--check-every "0": expected whole seconds from 1 to the window (60)'),
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

describe("runCanaryCli's pre-flight, shared with up", () => {
  const t = useTempDir();
  const STACK = "organization/steady-app/prod";
  const RECOVER = "steady-deploy recover --cwd /repo --stack prod";
  afterEach(() => jest.restoreAllMocks());

  /** A deployed stack whose config changes are recorded; `locked` leaves a dead holder's lock. */
  function target(locked: boolean): { target: RunTarget; calls: string[] } {
    const backend = join(t.dir, "backend");
    if (locked) {
      const dir = join(backend, ".pulumi", "locks", ...STACK.split("/"));
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, "l.json"),
        JSON.stringify({
          pid: 4194303,
          username: "ci",
          hostname: hostname(),
          timestamp: new Date().toISOString(),
        }),
      );
    }
    const calls: string[] = [];
    const stack = {
      name: STACK,
      workspace: { envVars: {}, projectSettings: async () => ({ name: "steady-app" }) },
      outputs: async () => ({
        namespace: { value: "apps" },
        selector: { value: { app: "hello" } },
      }),
      getAllConfig: async () => ({}),
      history: async () => [{ kind: "update", result: "succeeded", startTime: 0 }],
      setAllConfig: async () => void calls.push("setAllConfig"),
      removeAllConfig: async () => void calls.push("removeAllConfig"),
      preview: async () => void calls.push("preview"),
    };
    return {
      calls,
      target: {
        stack: stack as unknown as Stack,
        backendUrl: `file://${backend}`,
        recover: RECOVER,
        kubeconfig: join(t.dir, "kubeconfig"),
        stateDir: join(t.dir, "state"),
        state: { deployment: { resources: [] } },
      },
    };
  }

  it("exits 5 on a locked stack before any step, naming the recover command; the summary says so", async () => {
    const errors: string[] = [];
    jest.spyOn(console, "error").mockImplementation((m: string) => void errors.push(m));
    jest.spyOn(console, "log").mockImplementation(() => undefined);
    const { target: locked, calls } = target(true);
    const md = join(t.dir, "summary.md");
    const argv = ["--canary-image", "i:2", "--canary-version", "v2", "--summary-md", md];
    expect(await runCanaryCli(argv, async () => locked)).toBe(5);
    expect(calls).toEqual([]);
    expect(errors.join("\n")).toContain(`the stack ${STACK} is locked by 1 lock(s)`);
    expect(errors.join("\n")).toContain(`\n  ${RECOVER}`);
    expect(readFileSync(md, "utf8")).toContain(
      `### \`${STACK}\`: canary\n\n**Canary: not started** (exit 5)`,
    );
  });

  it("exits 2 when the stack exports no namespace and selector, before the pre-flight", async () => {
    const errors: string[] = [];
    jest.spyOn(console, "error").mockImplementation((m: string) => void errors.push(m));
    const { target: bare } = target(true);
    (bare.stack as unknown as { outputs: () => Promise<object> }).outputs = async () => ({});
    expect(
      await runCanaryCli(["--canary-image", "i:2", "--canary-version", "v2"], async () => bare),
    ).toBe(2);
    expect(errors.join("\n")).toContain(`stack ${STACK} exports no namespace and selector`);
  });
});
