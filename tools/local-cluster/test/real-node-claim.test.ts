import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readClaim, releaseClaim, writeClaim } from "../src/real-node/claim";
import { useTempDir } from "./helpers";

describe("the machine's real-node claim", () => {
  const t = useTempDir();

  it("is written for one data directory and released only by it", () => {
    const file = join(t.dir, "run", "steady-local", "real-node.json");
    expect(readClaim(file)).toBeUndefined();
    writeClaim("/data/a", file);
    expect(readClaim(file)).toMatchObject({ dataDir: "/data/a" });
    expect(releaseClaim("/data/b", file)).toBe(false);
    expect(readClaim(file)?.dataDir).toBe("/data/a");
    expect(releaseClaim("/data/a", file)).toBe(true);
    expect(readClaim(file)).toBeUndefined();
    expect(existsSync(join(t.dir, "run", "steady-local"))).toBe(false);
  });

  it("an unreadable claim counts as none", () => {
    const file = join(t.dir, "claim.json");
    writeFileSync(file, "{ broken");
    expect(readClaim(file)).toBeUndefined();
    writeFileSync(file, JSON.stringify({ dataDir: 42 }));
    expect(readClaim(file)).toBeUndefined();
  });
});
