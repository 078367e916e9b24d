import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { useTempDir } from "../src";

describe("useTempDir", () => {
  const t = useTempDir("steady-testing-");
  const seen: string[] = [];

  it("gives each test an empty directory of its own", () => {
    expect(existsSync(t.dir)).toBe(true);
    writeFileSync(join(t.dir, "a"), "x");
    seen.push(t.dir);
  });

  it("removed the previous test's directory", () => {
    expect(t.dir).not.toBe(seen[0]);
    expect(existsSync(seen[0]!)).toBe(false);
  });
});
