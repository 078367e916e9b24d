import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import {
  CliUnavailable,
  chooseCli,
  cliEnv,
  defaultToolchainDir,
  resolveCli,
  sdkMinimumVersion,
} from "../src/pulumi-cli";

describe("which CLI a run uses", () => {
  it.each([
    ["nothing", undefined, {}, { mode: "path" }],
    [
      "--toolchain",
      true,
      {},
      { mode: "toolchain", dir: join(homedir(), ".cache", "steady", "toolchain") },
    ],
    ["--toolchain DIR", "/opt/tc", {}, { mode: "toolchain", dir: "/opt/tc" }],
    [
      "STEADY_USE_TOOLCHAIN=1",
      undefined,
      { STEADY_USE_TOOLCHAIN: "1" },
      { mode: "toolchain", dir: join(homedir(), ".cache", "steady", "toolchain") },
    ],
    [
      "STEADY_USE_TOOLCHAIN=1 with STEADY_TOOLCHAIN_DIR",
      undefined,
      { STEADY_USE_TOOLCHAIN: "1", STEADY_TOOLCHAIN_DIR: "/tc" },
      { mode: "toolchain", dir: "/tc" },
    ],
    ["STEADY_TOOLCHAIN_DIR alone", undefined, { STEADY_TOOLCHAIN_DIR: "/tc" }, { mode: "path" }],
    ["STEADY_USE_TOOLCHAIN=0", undefined, { STEADY_USE_TOOLCHAIN: "0" }, { mode: "path" }],
    [
      "--toolchain over STEADY_TOOLCHAIN_DIR",
      "/opt/tc",
      { STEADY_TOOLCHAIN_DIR: "/tc" },
      { mode: "toolchain", dir: "/opt/tc" },
    ],
  ] as const)("%s", (_, flag, env, expected) => {
    expect(chooseCli(flag, env)).toEqual(expected);
  });

  it("turns plugin downloads off and puts the toolchain first on PATH only in toolchain mode", () => {
    expect(cliEnv({ mode: "path" }, { PATH: "/usr/bin" })).toEqual({
      PULUMI_SKIP_UPDATE_CHECK: "true",
    });
    expect(cliEnv({ mode: "toolchain", dir: "/tc" }, { PATH: "/usr/bin" })).toEqual({
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PATH: "/tc/bin:/usr/bin",
    });
    expect(defaultToolchainDir({ STEADY_TOOLCHAIN_DIR: "/tc" })).toBe("/tc");
  });
});

describe("finding the CLI", () => {
  let dir: string;
  const saved = { ...process.env };
  /** A fake `pulumi` that prints `version` for `pulumi version`. */
  const fakePulumi = (binDir: string, version: string) => {
    mkdirSync(binDir, { recursive: true });
    const file = join(binDir, "pulumi");
    writeFileSync(file, `#!/bin/sh\n[ "$1" = version ] && echo ${version}\n`);
    chmodSync(file, 0o755);
    return file;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "steady-cli-"));
    // Only the fake CLI's directory and the shell's: no real pulumi can be found.
    process.env.PATH = `${join(dir, "path")}:/bin:/usr/bin`;
    process.env.PULUMI_HOME = join(dir, "pulumi-home");
    delete process.env.PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK;
  });
  afterEach(() => {
    process.env = { ...saved };
    rmSync(dir, { recursive: true, force: true });
  });

  it("uses the pulumi on PATH when the SDK accepts its version, with Pulumi's plugin handling", async () => {
    const file = fakePulumi(join(dir, "path"), "v3.248.0");
    const cli = await resolveCli({ mode: "path" });
    expect(cli).toMatchObject({ path: file, version: "3.248.0", choice: { mode: "path" } });
    expect(cli.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBeUndefined();
  });

  it("falls back to $PULUMI_HOME/bin/pulumi, where the installer puts it", async () => {
    const file = fakePulumi(join(dir, "pulumi-home", "bin"), "v3.276.0");
    expect(await resolveCli({ mode: "path" })).toMatchObject({ path: file, version: "3.276.0" });
  });

  it("uses the toolchain's CLI in toolchain mode even when another is on PATH", async () => {
    fakePulumi(join(dir, "path"), "v3.276.0");
    const file = fakePulumi(join(dir, "tc", "bin"), "v3.248.0");
    const cli = await resolveCli({ mode: "toolchain", dir: join(dir, "tc") });
    expect(cli).toMatchObject({ path: file, version: "3.248.0" });
    expect(cli.env.PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION).toBe("true");
  });

  it("refuses a CLI older than the SDK's minimum, naming both versions and how to get one", async () => {
    fakePulumi(join(dir, "path"), "v3.1.0");
    const err = await resolveCli({ mode: "path" }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(CliUnavailable);
    expect((err as Error).message).toMatch(
      new RegExp(
        `the Pulumi CLI .*/path/pulumi cannot be used: .*your current CLI version is v3\\.1\\.0.*needs at least ${sdkMinimumVersion().replace(/\./g, "\\.")}.*get\\.pulumi\\.com.*--toolchain`,
      ),
    );
  });

  it("refuses a CLI of another major version", async () => {
    fakePulumi(join(dir, "path"), "v4.0.0");
    await expect(resolveCli({ mode: "path" })).rejects.toThrow(/Major version mismatch/);
  });

  it("says where it looked and how to install one when there is none", async () => {
    await expect(resolveCli({ mode: "path" })).rejects.toThrow(
      new RegExp(
        `no Pulumi CLI found \\(no pulumi on PATH, nor ${dir}/pulumi-home/bin/pulumi\\); the installed @pulumi/pulumi needs at least .*: install the Pulumi CLI`,
      ),
    );
    await expect(resolveCli({ mode: "toolchain", dir: join(dir, "none") })).rejects.toThrow(
      /no Pulumi CLI found \(the toolchain's .*none\/bin\/pulumi\).*npm run toolchain/,
    );
  });
});
