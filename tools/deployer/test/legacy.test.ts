import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { legacyLastGoodDir, removeLegacyLastGood } from "../src/legacy";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "steady-legacy-"));
  process.env.STEADY_STATE_DIR = join(dir, "state");
});
afterEach(() => {
  delete process.env.STEADY_STATE_DIR;
  rmSync(dir, { recursive: true, force: true });
});

describe("the legacy last-good files", () => {
  it("are deleted, since they held secrets in plain text", () => {
    expect(removeLegacyLastGood()).toBe(false);
    mkdirSync(legacyLastGoodDir(), { recursive: true });
    writeFileSync(join(legacyLastGoodDir(), "organization_steady-app_dev.json"), "{}");
    expect(removeLegacyLastGood()).toBe(true);
    expect(existsSync(legacyLastGoodDir())).toBe(false);
  });
});
