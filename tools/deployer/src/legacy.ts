import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { stateDir } from "./paths";

/**
 * Where earlier versions kept the "last good" config: decrypted, secrets included. Nothing writes
 * there any more; {@link removeLegacyLastGood} deletes what an earlier version left.
 */
export function legacyLastGoodDir(): string {
  return join(stateDir(), "last-good");
}

/** Deletes the plain-text config files earlier versions left; true when there were some. */
export function removeLegacyLastGood(): boolean {
  const dir = legacyLastGoodDir();
  if (!existsSync(dir)) return false;
  rmSync(dir, { recursive: true, force: true });
  return true;
}
