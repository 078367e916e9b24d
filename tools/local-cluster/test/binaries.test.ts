import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  findBinary,
  findClusterBinaries,
  MissingBinaryError,
  toolchainBinDir,
} from "../src/host/binaries";
import { useTempDir } from "./helpers";

function fakeExe(dir: string, name: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, "#!/bin/sh\n");
  chmodSync(p, 0o755);
  return p;
}

describe("findBinary", () => {
  const t = useTempDir();

  it("defaults the toolchain to ~/.cache/steady/toolchain/bin", () => {
    expect(toolchainBinDir({ HOME: "/home/u" })).toBe("/home/u/.cache/steady/toolchain/bin");
    expect(toolchainBinDir({ HOME: "/home/u", STEADY_TOOLCHAIN_DIR: "/tc" })).toBe("/tc/bin");
  });

  it("prefers the toolchain over PATH", () => {
    const tc = join(t.dir, "tc");
    const inToolchain = fakeExe(join(tc, "bin"), "etcd");
    fakeExe(join(t.dir, "path"), "etcd");
    const env = { STEADY_TOOLCHAIN_DIR: tc, PATH: join(t.dir, "path") };
    expect(findBinary("etcd", env)).toBe(inToolchain);
  });

  it("falls back to PATH", () => {
    const onPath = fakeExe(join(t.dir, "path"), "kwok");
    const env = {
      STEADY_TOOLCHAIN_DIR: join(t.dir, "tc"),
      PATH: `/nonexistent:${join(t.dir, "path")}`,
    };
    expect(findBinary("kwok", env)).toBe(onPath);
  });

  it("ignores files that are not executable", () => {
    const dir = join(t.dir, "tc", "bin");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "etcd"), "");
    expect(() => findBinary("etcd", { STEADY_TOOLCHAIN_DIR: join(t.dir, "tc"), PATH: "" })).toThrow(
      MissingBinaryError,
    );
  });

  it("a missing binary: names it, where it looked, and how to build it", () => {
    const env = { STEADY_TOOLCHAIN_DIR: "/opt/tc", PATH: "/usr/bin:/bin" };
    let error: unknown;
    try {
      findBinary("kube-apiserver", env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MissingBinaryError);
    expect((error as Error).message).toBe(
      "kube-apiserver not found. Looked in /opt/tc/bin (the steady toolchain) and on PATH " +
        "(/usr/bin:/bin). Fix: run `npm run toolchain` (tools/toolchain/build.sh) to build it.",
    );
  });

  it("reports every missing cluster binary at once", () => {
    const tc = join(t.dir, "tc");
    for (const b of ["etcd", "kube-apiserver", "kube-scheduler"]) fakeExe(join(tc, "bin"), b);
    expect(() => findClusterBinaries({ STEADY_TOOLCHAIN_DIR: tc, PATH: "" })).toThrow(
      /^kube-controller-manager, kwok not found\. Looked in .*tc\/bin .*npm run toolchain/,
    );
  });
});
