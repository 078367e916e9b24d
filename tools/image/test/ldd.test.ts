import { MissingLibraryError, parseLdd } from "../src/ldd";

const GLIBC = `	linux-vdso.so.1 (0x00007ffd4b5f2000)
	libdl.so.2 => /lib/x86_64-linux-gnu/libdl.so.2 (0x00007f5f407e8000)
	libstdc++.so.6 => /lib/x86_64-linux-gnu/libstdc++.so.6 (0x00007f5f40400000)
	libm.so.6 => /lib/x86_64-linux-gnu/libm.so.6 (0x00007f5f40708000)
	libgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f5f406e8000)
	libpthread.so.0 => /lib/x86_64-linux-gnu/libpthread.so.0 (0x00007f5f406e3000)
	libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f5f4021e000)
	/lib64/ld-linux-x86-64.so.2 (0x00007f5f40800000)
`;

describe("parseLdd", () => {
  it("lists every library of a glibc program with its path, the loader last and marked", () => {
    const libs = parseLdd(GLIBC, "/usr/bin/node");
    expect(libs.map((l) => l.path)).toEqual([
      "/lib/x86_64-linux-gnu/libdl.so.2",
      "/lib/x86_64-linux-gnu/libstdc++.so.6",
      "/lib/x86_64-linux-gnu/libm.so.6",
      "/lib/x86_64-linux-gnu/libgcc_s.so.1",
      "/lib/x86_64-linux-gnu/libpthread.so.0",
      "/lib/x86_64-linux-gnu/libc.so.6",
      "/lib64/ld-linux-x86-64.so.2",
    ]);
    expect(libs.filter((l) => l.loader)).toEqual([
      { name: "ld-linux-x86-64.so.2", path: "/lib64/ld-linux-x86-64.so.2", loader: true },
    ]);
    expect(libs[0]).toEqual({
      name: "libdl.so.2",
      path: "/lib/x86_64-linux-gnu/libdl.so.2",
      loader: false,
    });
  });

  it("skips kernel-provided objects written with and without an arrow", () => {
    const out =
      "\tlinux-gate.so.1 =>  (0xb7f4f000)\n\tlinux-vdso.so.1 (0x00007ffd)\n" +
      "\tlibc.so.6 => /lib/i386-linux-gnu/libc.so.6 (0xb7d00000)\n\t/lib/ld-linux.so.2 (0xb7f50000)\n";
    expect(parseLdd(out, "prog").map((l) => [l.path, l.loader])).toEqual([
      ["/lib/i386-linux-gnu/libc.so.6", false],
      ["/lib/ld-linux.so.2", true],
    ]);
  });

  it("reads musl's ldd, where the loader is also libc, once", () => {
    const out =
      "\t/lib/ld-musl-x86_64.so.1 (0x7f0e1c0d5000)\n" +
      "\tlibstdc++.so.6 => /usr/lib/libstdc++.so.6 (0x7f0e1be00000)\n" +
      "\tlibc.musl-x86_64.so.1 => /lib/ld-musl-x86_64.so.1 (0x7f0e1c0d5000)\n";
    expect(parseLdd(out, "node").map((l) => [l.path, l.loader])).toEqual([
      ["/lib/ld-musl-x86_64.so.1", true],
      ["/usr/lib/libstdc++.so.6", false],
    ]);
  });

  it.each(["\tnot a dynamic executable\n", "\tstatically linked\n"])(
    "returns no libraries for a static program (%j)",
    (out) => {
      expect(parseLdd(out, "static")).toEqual([]);
    },
  );

  it("names every library that was not found, at once", () => {
    const out =
      "\tlibuv.so.1 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x1)\n\tlibicu.so.72 => not found\n";
    expect(() => parseLdd(out, "/opt/node")).toThrow(MissingLibraryError);
    expect(() => parseLdd(out, "/opt/node")).toThrow(
      "/opt/node needs shared libraries that are not installed: libuv.so.1, libicu.so.72.",
    );
  });

  it("quotes a line it does not understand", () => {
    expect(() => parseLdd("\tsomething odd here\n", "x")).toThrow(
      'cannot read the output of `ldd x`: unexpected line "\\tsomething odd here"',
    );
  });

  it("normalizes paths and lists each once", () => {
    const out = "\tlibc.so.6 => /lib/../lib/libc.so.6 (0x1)\n\tlibc.so.6 => /lib/libc.so.6 (0x1)\n";
    expect(parseLdd(out, "x").map((l) => l.path)).toEqual(["/lib/libc.so.6"]);
  });
});
