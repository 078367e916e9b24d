import type { Stack } from "@pulumi/pulumi/automation";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { client, fixtureStack, up } from "./harness";

// Pulumi's default TypeScript layout, as `pulumi new typescript` writes it (fixtures/ts-default):
// Pulumi.yaml with `runtime: nodejs` and no main, index.ts at the root, package.json naming it as
// main, a tsconfig.json, and no build step. The SDK's runner compiles index.ts with ts-node when
// the language host says the program is TypeScript (the host's `typescript` option, on unless
// Pulumi.yaml turns it off). Every other program here runs a compiled dist/, so this is what
// holds the toolchain's CLI and language host to that layout. The fixture's packages resolve
// from the workspace's node_modules, which its work copy (under .steady/it) sits below.

const NS = "default";
const MESSAGE = "hello from index.ts";
let stack: Stack;
let program: string;
let original = "";

/** The ConfigMap's data as the API server holds it. */
async function configMapData(name: string): Promise<Record<string, string>> {
  const kube = client();
  try {
    return (
      await kube.get<{ data: Record<string, string> }>(
        `/api/v1/namespaces/${NS}/configmaps/${name}`,
      )
    ).data;
  } finally {
    kube.close();
  }
}

beforeAll(async () => {
  stack = await fixtureStack("ts-default", "ts");
  await stack.setConfig("namespace", { value: NS });
  program = join(stack.workspace.workDir, "index.ts");
  original = readFileSync(program, "utf8");
});

afterAll(async () => {
  if (original) writeFileSync(program, original);
  await stack?.destroy().catch(() => undefined);
});

describe("Pulumi's default TypeScript layout on the toolchain's CLI and language host", () => {
  it("deploys index.ts as it is, without a build step or any compiled file", async () => {
    const workDir = stack.workspace.workDir;
    expect(readdirSync(workDir).filter((f) => f.endsWith(".js"))).toEqual([]);
    const outputs = await up(stack);
    expect(outputs.message).toBe(MESSAGE);
    expect(await configMapData(String(outputs.configMapName))).toEqual({ message: MESSAGE });
    // ts-node compiled in memory: nothing was written to the tsconfig's outDir.
    expect(existsSync(join(workDir, "bin"))).toBe(false);
  });

  it("picks up a change to index.ts on the next up", async () => {
    writeFileSync(program, original.replace(MESSAGE, "changed in index.ts, no build"));
    const outputs = await up(stack);
    expect(outputs.message).toBe("changed in index.ts, no build");
    expect(await configMapData(String(outputs.configMapName))).toEqual({
      message: "changed in index.ts, no build",
    });
  });

  it("fails the up with the TypeScript error when index.ts does not type-check, changing nothing", async () => {
    const before = await stack.outputs();
    const typo = 'const namespace: number = config.require("namespace");';
    writeFileSync(
      program,
      original.replace('const namespace: string = config.require("namespace");', typo),
    );
    expect(readFileSync(program, "utf8")).toContain(typo);
    let log = "";
    const failure = await stack.up({ onOutput: (s) => (log += s) }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(failure).toBeInstanceOf(Error);
    // The runner prints ts-node's diagnostic (colored, as tsconfig says `pretty`).
    // eslint-disable-next-line no-control-regex
    const plain = `${log}\n${failure?.message}`.replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toMatch(
      /index\.ts[(:]8[,:]7\)?:? (- )?error TS2322: Type 'string' is not assignable to type 'number'/,
    );
    const name = String(before.configMapName?.value);
    expect(await configMapData(name)).toEqual({ message: "changed in index.ts, no build" });
  });
});
