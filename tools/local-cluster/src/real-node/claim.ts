import { mkdirSync, readFileSync, renameSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

/**
 * One real node per machine: its bridge, iptables chains and cgroup root are machine-wide. The
 * data directory that runs it holds a claim in /run; another data directory's `up --real-node`
 * sees it and refuses (or, when the claiming data directory no longer records a real node, takes
 * the claim over after cleaning up).
 */

/** Where the claim lives. */
export const CLAIM_FILE = "/run/steady-local/real-node.json";

export interface RealNodeClaim {
  readonly dataDir: string;
  readonly claimedAt: string;
}

/** The current claim, if any (an unreadable file counts as none). */
export function readClaim(file = CLAIM_FILE): RealNodeClaim | undefined {
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as Partial<RealNodeClaim>;
    if (typeof json.dataDir === "string" && typeof json.claimedAt === "string") {
      return { dataDir: json.dataDir, claimedAt: json.claimedAt };
    }
  } catch {
    // none
  }
  return undefined;
}

/** Claims the real node for `dataDir` (overwrites: call after deciding the old claim is moot). */
export function writeClaim(dataDir: string, file = CLAIM_FILE): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 });
  const tmp = join(dirname(file), `.real-node.${process.pid}.tmp`);
  writeFileSync(tmp, JSON.stringify({ dataDir, claimedAt: new Date().toISOString() }) + "\n");
  renameSync(tmp, file); // a reader never sees half a claim
}

/** Drops the claim if `dataDir` holds it (and the directory, when that leaves it empty). */
export function releaseClaim(dataDir: string, file = CLAIM_FILE): boolean {
  const claim = readClaim(file);
  if (!claim || claim.dataDir !== dataDir) return false;
  rmSync(file, { force: true });
  try {
    rmdirSync(dirname(file));
  } catch {
    // not empty, or gone
  }
  return true;
}
