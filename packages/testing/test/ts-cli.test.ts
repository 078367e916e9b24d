import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runTsCli, useTempDir } from "../src";

describe("runTsCli", () => {
  const t = useTempDir("steady-ts-cli-");

  it("runs a TypeScript entry point in its own process and returns its exit code and output", () => {
    const cli = join(t.dir, "cli.ts");
    writeFileSync(
      cli,
      [
        "const args: string[] = process.argv.slice(2);",
        "console.log(`out ${args.join(' ')}`);",
        "console.error('err');",
        "process.exit(args.length);",
      ].join("\n"),
    );
    expect(runTsCli(cli, ["a", "b c"])).toEqual({
      status: 2,
      stdout: "out a b c\n",
      stderr: "err\n",
    });
  });
});
