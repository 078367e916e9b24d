import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { isStaticElf, MissingRuntimeError } from "../src/real-node/node-runtime";
import { ociArchitecture, umociConfigArgs } from "../src/real-node/oci-image";
import { useTempDir } from "./helpers";

/** A minimal ELF64 little-endian header with the given program header types. */
function elf(types: number[]): Buffer {
  const phoff = 64;
  const phentsize = 56;
  const buf = Buffer.alloc(phoff + phentsize * types.length);
  buf.writeUInt32BE(0x7f454c46, 0);
  buf[4] = 2; // 64-bit
  buf[5] = 1; // little-endian
  buf.writeBigUInt64LE(BigInt(phoff), 0x20);
  buf.writeUInt16LE(phentsize, 0x36);
  buf.writeUInt16LE(types.length, 0x38);
  types.forEach((t, i) => buf.writeUInt32LE(t, phoff + i * phentsize));
  return buf;
}

describe("node runtime checks", () => {
  const t = useTempDir();

  it.each([
    ["static (LOAD, NOTE)", [1, 4], true],
    ["dynamic (PHDR, INTERP, LOAD)", [6, 3, 1], false],
  ])("an ELF executable that is %s", (_, types, expected) => {
    const file = join(t.dir, "bin");
    writeFileSync(file, elf(types));
    expect(isStaticElf(file)).toBe(expected);
  });

  it("anything that is not a 64-bit ELF is not static", () => {
    writeFileSync(join(t.dir, "script"), "#!/bin/sh\necho hi\n");
    expect(isStaticElf(join(t.dir, "script"))).toBe(false);
    expect(isStaticElf(join(t.dir, "missing"))).toBe(false);
  });

  it("names every missing package, the command to install them, and missing toolchain binaries", () => {
    const e = new MissingRuntimeError(
      [
        { what: "/usr/lib/cni/bridge", pkg: "containernetworking-plugins" },
        { what: "/usr/lib/cni/portmap", pkg: "containernetworking-plugins" },
        {
          what: "a statically linked busybox (/bin/busybox is dynamically linked)",
          pkg: "busybox-static",
        },
      ],
      ["kube-proxy"],
    );
    expect(e.message).toBe(
      "The real node needs packages that are missing: /usr/lib/cni/bridge (package " +
        "containernetworking-plugins), /usr/lib/cni/portmap (package containernetworking-plugins), " +
        "a statically linked busybox (/bin/busybox is dynamically linked) (package busybox-static). " +
        "Install them with: sudo tools/toolchain/install-node-runtime.sh containernetworking-plugins busybox-static\n" +
        "The real node needs kube-proxy from the steady toolchain: run `npm run toolchain` " +
        "(tools/toolchain/build.sh kubernetes).",
    );
  });
});

describe("OCI images with umoci", () => {
  it("maps Node's architecture names to OCI ones", () => {
    expect(ociArchitecture("x64")).toBe("amd64");
    expect(ociArchitecture("arm64")).toBe("arm64");
    expect(() => ociArchitecture("ia32")).toThrow("no OCI architecture for Node.js arch ia32");
  });

  it("turns an image spec into umoci config flags, one flag per list item", () => {
    expect(
      umociConfigArgs({
        tag: "1",
        files: [],
        entrypoint: ["/bin/busybox"],
        cmd: ["httpd", "-f"],
        env: ["A=1"],
        user: "65534:65534",
        architecture: "arm64",
      }),
    ).toEqual([
      "--architecture",
      "arm64",
      "--os",
      "linux",
      "--config.entrypoint",
      "/bin/busybox",
      "--config.cmd",
      "httpd",
      "--config.cmd",
      "-f",
      "--config.env",
      "A=1",
      "--config.user",
      "65534:65534",
    ]);
  });
});
