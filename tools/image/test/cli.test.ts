import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { main, parseCommandLine, UsageError } from "../src/cli";
import { RECORD } from "./fixtures";
import { captureOutput } from "@steady/testing";
import { useTempDir } from "@steady/testing";

async function run(argv: string[]) {
  const c = captureOutput();
  try {
    const code = await main(argv);
    return { code, out: c.out.join(""), err: c.err.join("") };
  } finally {
    c.restore();
  }
}

describe("parseCommandLine", () => {
  it("reads each command with its options", () => {
    expect(parseCommandLine(["build", "--app", "apps/hello", "--out", "o", "--force"])).toEqual({
      command: "build",
      app: "apps/hello",
      out: "o",
      force: true,
      json: false,
      address: undefined,
      namespace: undefined,
    });
    expect(
      parseCommandLine(["import", "--address", "/run/c.sock", "--namespace", "default"]),
    ).toMatchObject({
      command: "import",
      address: "/run/c.sock",
      namespace: "default",
    });
    expect(parseCommandLine(["ref", "--json"])).toMatchObject({ command: "ref", json: true });
    expect(parseCommandLine(["--help"]).command).toBe("help");
  });

  it.each([
    [[], "missing command: expected build, import or ref"],
    [["push"], 'unknown command "push": expected build, import or ref'],
    [["build", "extra"], 'unexpected argument "extra"'],
    [
      ["build", "--address", "/s"],
      "build does not take --address; it takes --app, --out, --force, --json",
    ],
    [["ref", "--force"], "ref does not take --force; it takes --app, --out, --json"],
    [
      ["import", "--json"],
      "import does not take --json; it takes --app, --out, --force, --address, --namespace",
    ],
    [["build", "--out"], "Option '--out <value>' argument missing"],
    [["build", "--outdir", "x"], "Unknown option '--outdir'"],
    [["import", "--namespace", ""], "--namespace needs a non-empty value"],
  ])("rejects %j: %s", (argv, message) => {
    expect(() => parseCommandLine(argv)).toThrow(UsageError);
    expect(() => parseCommandLine(argv)).toThrow(message);
  });
});

describe("steady-image", () => {
  const t = useTempDir();

  it("exits 2 on a usage error and prints the problem and the usage to stderr", async () => {
    const r = await run(["build", "--bogus"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toMatch(/^steady-image: Unknown option '--bogus'/);
    expect(r.err).toContain("Usage: steady-image <command> [options]");
  });

  it("prints the usage for --help and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("SOURCE_DATE_EPOCH");
  });

  it("ref prints the reference, or the whole record with --json", async () => {
    writeFileSync(join(t.dir, "image.json"), JSON.stringify(RECORD));
    expect(await run(["ref", "--out", t.dir])).toEqual({
      code: 0,
      out: `${RECORD.reference}\n`,
      err: "",
    });
    const json = await run(["ref", "--out", t.dir, "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({
      digest: RECORD.digest,
      archivePath: join(t.dir, "hello.oci.tar"),
    });
  });

  it("ref exits 3 when nothing was built", async () => {
    const r = await run(["ref", "--out", join(t.dir, "none")]);
    expect(r.code).toBe(3);
    expect(r.err).toBe(
      `steady-image ref: no image built in ${join(t.dir, "none")} (no image.json): run \`steady-image build\` first\n`,
    );
  });

  it("finds the default output directory from --app's package name", async () => {
    const app = join(t.dir, "apps", "other");
    mkdirSync(app, { recursive: true });
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({ name: "@x/other", version: "1.0.0" }),
    );
    const r = await run(["ref", "--app", app]);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/no image built in .*\/\.steady\/images\/other /);
  });

  it("import exits 1 naming the bad namespace and the missing socket", async () => {
    const r = await run(["import", "--address", join(t.dir, "no.sock"), "--namespace", "a/b"]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('--namespace "a/b" is not valid');
    expect(r.err).toContain(`--address ${join(t.dir, "no.sock")}: no such socket`);
  });
});
