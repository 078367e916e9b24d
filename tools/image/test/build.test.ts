import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildImage, sourceDateEpochFrom } from "../src/build";
import { tempDir } from "./helpers";

describe("sourceDateEpochFrom", () => {
  it.each([
    [{}, 0],
    [{ SOURCE_DATE_EPOCH: "" }, 0],
    [{ SOURCE_DATE_EPOCH: "1700000000" }, 1700000000],
  ])("reads %j as %d", (env, seconds) => expect(sourceDateEpochFrom(env)).toBe(seconds));

  it.each(["-1", "1.5", "yesterday", " 1"])("rejects %j, saying what is valid", (raw) => {
    expect(() => sourceDateEpochFrom({ SOURCE_DATE_EPOCH: raw })).toThrow(
      `SOURCE_DATE_EPOCH=${JSON.stringify(raw)} is not valid: expected a non-negative integer of seconds since 1970-01-01T00:00:00Z`,
    );
  });
});

describe("buildImage, before it writes anything", () => {
  let t: ReturnType<typeof tempDir>;
  let app: string;
  beforeEach(() => {
    t = tempDir();
    app = join(t.dir, "app");
    mkdirSync(join(app, "dist"), { recursive: true });
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "@steady/demo", version: "1.0.0" }),
    );
  });
  afterEach(() => t.cleanup());

  const out = () => join(t.dir, "out");
  const nothingWritten = () => expect(readdirSync(t.dir).sort()).toEqual(["app"]);

  it("refuses a version that cannot be a tag", async () => {
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "demo", version: "1.0.0+b" }));
    await expect(buildImage({ app, out: out() })).rejects.toThrow(
      'version "1.0.0+b" cannot be part of an image tag',
    );
    nothingWritten();
  });

  it("refuses a package.json without a name or version, listing both", async () => {
    writeFileSync(join(app, "package.json"), "{}");
    await expect(buildImage({ app, out: out() })).rejects.toThrow(
      `${join(app, "package.json")} is not usable:\n  - name: expected a string\n  - version: expected a string`,
    );
  });

  it("says to build the app when dist/main.js is missing", async () => {
    await expect(buildImage({ app, out: out() })).rejects.toThrow(
      "does not exist: build the app first",
    );
    nothingWritten();
  });

  it("refuses to replace a directory that holds other files", async () => {
    mkdirSync(out());
    writeFileSync(join(out(), "notes.txt"), "mine");
    await expect(buildImage({ app, out: out() })).rejects.toThrow(
      `--out ${out()} holds files that a build did not write (notes.txt)`,
    );
  });

  it("refuses a Node.js older than the app's engines.node", async () => {
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "demo", version: "1.0.0", engines: { node: ">=99" } }),
    );
    await expect(buildImage({ app, out: out() })).rejects.toThrow(
      `is Node.js ${process.version}, but demo needs >= 99 (engines.node)`,
    );
  });

  it("refuses a bad repository", async () => {
    await expect(buildImage({ app, out: out(), repository: "Bad/Repo" })).rejects.toThrow(
      'repository "Bad/Repo" is not valid',
    );
  });
});
