import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Stack } from "@pulumi/pulumi/automation";
import { replaceConfig } from "@steady/deploy";
import { pulumiEnv, toolchainDir } from "@steady/deployer";
import { itDir } from "./env";
import { fixtureStack, kubeconfig } from "./harness";

// Everything started for the drill must be gone this soon after the engine is SIGKILLed. The
// plugins notice within about a second and the language host gives its program 2 s after
// SIGTERM; the rest is slack for a loaded 2-core machine.
const EXIT_BOUND_MS = 15_000;
const NS = "steady-plugin-exit";

/** A process of the drill: its pid and what it is (from its command line). */
interface Proc {
  pid: number;
  role: string;
}

/** What a process of the drill is, from its command line. */
function roleOf(cmdline: string): string {
  if (cmdline.includes("pulumi-language-nodejs")) return "language host";
  if (cmdline.includes("pulumi-resource-kubernetes")) return "provider";
  if (cmdline.includes("@pulumi/pulumi/cmd/run") || cmdline.includes("cmd/run")) return "program";
  if (cmdline.includes("drive-up.cjs")) return "driver";
  if (/(^|\/)pulumi\0/.test(cmdline)) return "pulumi CLI";
  return cmdline.replace(/\0/g, " ").trim().slice(0, 80);
}

/**
 * Live processes carrying `marker` in their environment: the driver and everything it started
 * (the CLI passes its environment to the plugins, the language host to the program), even once
 * they have been re-parented. Zombies have no environment left, so they do not count.
 */
function processesWith(marker: string): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(marker)) continue;
      found.push({
        pid: Number(entry),
        role: roleOf(readFileSync(`/proc/${entry}/cmdline`, "latin1")),
      });
    } catch {
      // Ended while being read, or not ours to read.
    }
  }
  return found;
}

/** Every file and directory under dir, as paths relative to it. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();
}

// Marks the environment of everything the drill starts (see processesWith).
const MARKER = `STEADY_PLUGIN_EXIT_DRILL=${randomUUID()}`;
let stack: Stack;
let drillTmp: string;

beforeAll(async () => {
  stack = await fixtureStack("plugin-exit", "drill");
  await replaceConfig(stack, {
    "steady-fixture-plugin-exit:namespace": { value: NS },
    "steady-fixture-plugin-exit:kubeconfigPath": { value: kubeconfig() },
  });
  // The drill's own system temp dir: other Pulumi runs on the machine write kubeconfig files to
  // the shared one, and what this run leaves must be told apart from theirs.
  drillTmp = join(itDir(), "plugin-exit-tmp");
  rmSync(drillTmp, { recursive: true, force: true });
  mkdirSync(drillTmp, { recursive: true });
});

afterAll(async () => {
  processesWith(MARKER).forEach((p) => kill(p.pid));
  // The killed update left a pending create in the state; clear it so destroy can run.
  const state = await stack.exportStack().catch(() => undefined);
  if (state?.deployment) {
    delete (state.deployment as { pending_operations?: unknown }).pending_operations;
    await stack.importStack(state).catch(() => undefined);
  }
  await stack.destroy().catch(() => undefined);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function kill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

describe("a deployment whose engine is SIGKILLed mid-rollout", () => {
  it("takes the language host, its program and the provider down within the bound, and leaves no kubeconfig behind", async () => {
    const [name, value] = MARKER.split("=") as [string, string];
    const driver: ChildProcess = spawn(
      process.execPath,
      [
        join(__dirname, "..", "fixtures", "plugin-exit", "drive-up.cjs"),
        toolchainDir(),
        join(itDir(), "work", "fixture-plugin-exit"),
        stack.name,
      ],
      {
        env: {
          ...process.env,
          ...pulumiEnv({ kubeconfig: kubeconfig() }),
          TMPDIR: drillTmp,
          [name]: value,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let log = "";
    let started = false;
    driver.stdout!.on(
      "data",
      (b: Buffer) => (started ||= b.toString().includes("deployment-create-started")),
    );
    driver.stderr!.on("data", (b: Buffer) => (log += b.toString()));
    let exited = false;
    driver.on("exit", () => (exited = true));

    // Not waitFor: it retries a check that throws, and an ended driver must fail at once.
    for (const end = Date.now() + 5 * 60_000; !started; await sleep(200)) {
      if (exited) throw new Error(`pulumi up ended before the Deployment was created:\n${log}`);
      if (Date.now() > end)
        throw new Error(`the Deployment's create did not start in 5 min:\n${log}`);
    }
    // Let the provider get into its rollout await, and check it wrote the credentials (into its
    // private dir: that is what has to disappear).
    await sleep(3000);
    expect(tree(drillTmp).filter((p) => /(^|\/)kubeconfig/.test(p)).length).toBeGreaterThan(0);
    const before = processesWith(MARKER);
    const roles = new Set(before.map((p) => p.role));
    for (const role of ["driver", "pulumi CLI", "language host", "program", "provider"]) {
      expect({ role, running: roles.has(role) }).toEqual({ role, running: true });
    }

    // SIGKILL the driving process and the engine, as a crash or `kill -9` of steady-deploy does.
    for (const p of before.filter((p) => p.role === "driver" || p.role === "pulumi CLI"))
      kill(p.pid);
    const killedAt = Date.now();
    const goneAfter = new Map<number, number>();
    while (Date.now() - killedAt < EXIT_BOUND_MS && goneAfter.size < before.length) {
      const alive = new Set(processesWith(MARKER).map((p) => p.pid));
      for (const p of before)
        if (!alive.has(p.pid) && !goneAfter.has(p.pid)) goneAfter.set(p.pid, Date.now() - killedAt);
      await sleep(100);
    }
    const report = before.map((p) => ({
      role: p.role,
      pid: p.pid,
      goneAfterS: goneAfter.has(p.pid) ? goneAfter.get(p.pid)! / 1000 : "still running",
    }));
    console.log(`processes after the engine was SIGKILLed:\n${JSON.stringify(report, null, 2)}`);
    // Nothing with credentials stays: no kubeconfig file and no provider temp dir. (The driver's
    // own files may stay: it was SIGKILLed.) Both checks at once, so a failure shows all that is left.
    const left = tree(drillTmp);
    console.log(`left in the drill's temp dir: ${JSON.stringify(left)}`);
    expect({
      processes: processesWith(MARKER),
      credentialFiles: left.filter((p) => /kubeconfig|pulumi-resource-kubernetes/.test(p)),
    }).toEqual({ processes: [], credentialFiles: [] });
  });
});
