import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ImageNotBuiltError, checkRecord, imageInfo } from "../src/info";
import { RECORD } from "./fixtures";
import { useTempDir } from "@steady/testing";

describe("checkRecord", () => {
  it("accepts a complete record", () => {
    expect(checkRecord(RECORD)).toEqual([]);
  });

  it("lists every problem at once", () => {
    expect(
      checkRecord({ ...RECORD, digest: "sha256:x", size: -1, tag: "", libraries: "x" }),
    ).toEqual([
      "tag: expected a non-empty string",
      "digest: expected sha256:<64 hex digits>",
      "size: expected a non-negative integer",
      "libraries: expected an array of paths",
    ]);
  });

  it("requires the reference to be the repository and the tag", () => {
    expect(checkRecord({ ...RECORD, reference: "other:1" })).toEqual([
      "reference: expected <repository>:<tag>",
    ]);
  });

  it.each([null, [], "x"])("rejects %j", (value) =>
    expect(checkRecord(value)).toEqual(["expected a JSON object"]),
  );
});

describe("imageInfo", () => {
  const t = useTempDir();

  it("reads image.json and adds absolute paths", () => {
    writeFileSync(join(t.dir, "image.json"), JSON.stringify(RECORD));
    expect(imageInfo({ out: t.dir })).toEqual({
      ...RECORD,
      outDir: t.dir,
      archivePath: join(t.dir, "hello.oci.tar"),
      layoutPath: join(t.dir, "oci"),
    });
  });

  it("says to build first when there is no image.json", () => {
    const out = join(t.dir, "none");
    expect(() => imageInfo({ out })).toThrow(ImageNotBuiltError);
    expect(() => imageInfo({ out })).toThrow(
      `no image built in ${out} (no image.json): run \`steady-image build\` first`,
    );
  });

  it("names the file and every bad field of a damaged record", () => {
    mkdirSync(join(t.dir, "x"));
    writeFileSync(join(t.dir, "x", "image.json"), JSON.stringify({ ...RECORD, digest: 1 }));
    expect(() => imageInfo({ out: join(t.dir, "x") })).toThrow(
      `${join(t.dir, "x", "image.json")} is not a valid image record:\n  - digest: expected sha256:<64 hex digits>\nRebuild with \`steady-image build --force\`.`,
    );
    writeFileSync(join(t.dir, "x", "image.json"), "{");
    expect(() => imageInfo({ out: join(t.dir, "x") })).toThrow(/image\.json is not valid JSON/);
  });
});
