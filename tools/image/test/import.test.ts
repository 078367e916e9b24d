import { createServer, type Server } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkTarget, importImage, parseImageList } from "../src/import";
import { tempDir } from "./helpers";

const D1 = `sha256:${"1".repeat(64)}`;
const D2 = `sha256:${"2".repeat(64)}`;

describe("parseImageList", () => {
  it("reads the name and digest of each image, though SIZE holds a space", () => {
    const out =
      "REF                                   TYPE                                       DIGEST  SIZE     PLATFORMS   LABELS \n" +
      `steady.local/hello:1.0.0-111111111111 application/vnd.oci.image.manifest.v1+json ${D1} 38.9 MiB linux/amd64 -      \n` +
      `docker.io/library/busybox:latest      application/vnd.oci.image.index.v1+json    ${D2} 2.1 MiB  linux/amd64,linux/arm64 io.cri-containerd.image=managed\n`;
    expect(parseImageList(out)).toEqual([
      { ref: "steady.local/hello:1.0.0-111111111111", digest: D1 },
      { ref: "docker.io/library/busybox:latest", digest: D2 },
    ]);
  });

  it("reads an empty namespace", () => {
    expect(parseImageList("REF TYPE DIGEST SIZE PLATFORMS LABELS \n")).toEqual([]);
    expect(parseImageList("")).toEqual([]);
  });

  it("quotes output it does not understand", () => {
    expect(() => parseImageList("NAME DIGEST\n")).toThrow(
      'unexpected `ctr images ls` header: "NAME DIGEST"',
    );
    expect(() => parseImageList("REF TYPE DIGEST\nx y z\n")).toThrow(
      'unexpected `ctr images ls` line: "x y z"',
    );
  });
});

describe("checkTarget", () => {
  let t: ReturnType<typeof tempDir>;
  let server: Server;
  let socket: string;
  beforeAll(async () => {
    t = tempDir();
    socket = join(t.dir, "s.sock");
    server = createServer();
    await new Promise<void>((r) => server.listen(socket, r));
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    t.cleanup();
  });

  it("accepts a socket and a valid namespace", () => {
    expect(() => checkTarget(socket, "k8s.io")).not.toThrow();
    expect(() => checkTarget(socket, "default")).not.toThrow();
  });

  it.each(["", "k8s..io", "-x", "a/b", "x".repeat(77)])(
    "rejects the namespace %j, saying what is valid",
    (ns) => {
      expect(() => checkTarget(socket, ns)).toThrow(
        `--namespace ${JSON.stringify(ns)} is not valid: expected letters and digits, optionally separated by single '.', '_' or '-'`,
      );
    },
  );

  it("says when there is no socket, and when the path is not one", () => {
    expect(() => checkTarget(join(t.dir, "none.sock"), "k8s.io")).toThrow(
      `--address ${join(t.dir, "none.sock")}: no such socket; is containerd running?`,
    );
    const file = join(t.dir, "file");
    writeFileSync(file, "");
    expect(() => checkTarget(file, "k8s.io")).toThrow(`--address ${file} is not a socket`);
  });

  it("reports a bad namespace and a missing socket together", () => {
    expect(() => checkTarget("/nonexistent.sock", "a/b")).toThrow(
      /^2 problems:\n {2}- --namespace "a\/b".*\n {2}- --address \/nonexistent\.sock/,
    );
  });

  it("refuses to import before anything was built", async () => {
    await expect(importImage({ address: socket, out: join(t.dir, "nothing") })).rejects.toThrow(
      `no image built in ${join(t.dir, "nothing")} (no image.json): run \`steady-image build\` first`,
    );
  });
});
