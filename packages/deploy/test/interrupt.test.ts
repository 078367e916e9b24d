import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  EXIT_SIGINT,
  EXIT_SIGTERM,
  RunAborted,
  abortExitCode,
  abortReason,
  abortRun,
  installInterruptHandlers,
  resetRun,
  runSignal,
  runningChildren,
} from "../src/interrupt";
import { runInOwnGroup } from "../src/pulumi-process";

afterEach(() => resetRun());

describe("aborting a run", () => {
  it("aborts the run's signal once, keeping the first reason", () => {
    const seen: unknown[] = [];
    runSignal().addEventListener("abort", () => seen.push(runSignal().reason));
    expect(abortReason()).toBeUndefined();
    abortRun("the up ran past its deadline");
    abortRun("SIGINT received", "SIGINT");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(RunAborted);
    expect(abortReason()).toEqual({ message: "the up ran past its deadline" });
    expect(abortExitCode()).toBe(1);
  });

  it.each([
    ["SIGINT", EXIT_SIGINT, 130],
    ["SIGTERM", EXIT_SIGTERM, 143],
  ] as const)("exits %s runs with %d", (signal, code, value) => {
    abortRun(`${signal} received`, signal);
    expect(abortExitCode()).toBe(code);
    expect(code).toBe(value);
  });
});

describe("signal handlers", () => {
  const handlers = (hardStopAfterMs = 60_000) => {
    const said: string[] = [];
    const exits: number[] = [];
    const uninstall = installInterruptHandlers({
      hardStopAfterMs,
      say: (l) => said.push(l),
      exit: (c) => exits.push(c),
      onHardStop: (why) => [`recover with: steady-deploy recover (${why})`],
    });
    return { said, exits, uninstall };
  };

  it("turn the first SIGINT into a graceful cancel and a second into a hard stop with the recovery hint", async () => {
    const h = handlers();
    try {
      process.emit("SIGINT");
      expect(abortReason()).toEqual({ message: "SIGINT received", signal: "SIGINT" });
      expect(runSignal().aborted).toBe(true);
      expect(h.exits).toEqual([]);
      expect(h.said.join("\n")).toContain("cancelling the Pulumi operation gracefully");
      process.emit("SIGTERM");
      await new Promise((r) => setTimeout(r, 50));
      // The first signal decides the exit code.
      expect(h.exits).toEqual([130]);
      expect(h.said.join("\n")).toContain(
        "recover with: steady-deploy recover (SIGTERM received again)",
      );
    } finally {
      h.uninstall();
    }
  });

  it("end the run hard when the cancel does not finish in time", async () => {
    const h = handlers(100);
    try {
      process.emit("SIGTERM");
      await new Promise((r) => setTimeout(r, 400));
      expect(h.exits).toEqual([143]);
      expect(h.said.join("\n")).toContain("the cancel did not finish within 0.1 s");
    } finally {
      h.uninstall();
    }
  });
});

describe("a Pulumi command in its own process group", () => {
  let dir: string;
  let fake: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "steady-fake-pulumi-"));
    fake = join(dir, "pulumi");
    // Stands in for the CLI: records its process group and each SIGINT, and on the first one
    // "cancels" (exits 255 after a moment, as pulumi does once the engine stopped).
    writeFileSync(
      fake,
      `#!/bin/bash
echo "pgid $(ps -o pgid= $$ | tr -d ' ') args $*" > "${dir}/started"
trap 'echo int >> "${dir}/signals"; sleep 0.2; echo "error: update canceled" >&2; exit 255' INT
echo "running"
# Gives up by itself, so a broken test leaves nothing running.
for _ in $(seq 200); do sleep 0.05; done
exit 3
`,
    );
    chmodSync(fake, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("leads its own group, gets exactly one SIGINT when the run aborts, and fails like the SDK's runner", async () => {
    let out = "";
    const running = runInOwnGroup(fake)(["up", "--yes"], dir, {}, (s) => (out += s));
    await waitFor(() => out.includes("running"));
    expect(runningChildren()).toBe(1);
    const started = readFileSync(join(dir, "started"), "utf8");
    expect(started).toContain("args up --yes --non-interactive");
    const pgid = Number(/pgid (\d+)/.exec(started)![1]);
    expect(pgid).not.toBe(Number(process.pid));
    abortRun("SIGINT received", "SIGINT");
    await expect(running).rejects.toMatchObject({
      name: "CommandError",
      message: expect.stringContaining("error: update canceled"),
    });
    expect(readFileSync(join(dir, "signals"), "utf8")).toBe("int\n");
    expect(runningChildren()).toBe(0);
  }, 15_000);

  it("starts nothing once the run was aborted", async () => {
    abortRun("SIGTERM received", "SIGTERM");
    await expect(runInOwnGroup(fake)(["preview"], dir, {})).rejects.toBeInstanceOf(RunAborted);
  });

  it("returns stdout without its final newline, as the SDK does", async () => {
    const echo = join(dir, "echo-pulumi");
    writeFileSync(echo, '#!/bin/bash\necho "$PULUMI_AUTOMATION_API:$FOO"\n');
    chmodSync(echo, 0o755);
    await expect(runInOwnGroup(echo)(["version"], dir, { FOO: "bar" })).resolves.toMatchObject({
      stdout: "true:bar",
      code: 0,
    });
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
