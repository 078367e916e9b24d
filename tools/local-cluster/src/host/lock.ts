import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { procTable, type ProcessTable } from "./processes";

/**
 * Serialises `up`/`down` on one data directory: a lock file created exclusively, holding the
 * owner's pid. A lock whose owner is gone is taken over.
 */
export function acquireLock(file: string, table: ProcessTable = procTable): () => void {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(file, "utf8").trim());
    } catch {
      // removed meanwhile: try again
    }
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && table.cmdline(owner)) {
      throw new Error(
        `another steady-local (pid ${owner}) is working on this cluster; wait for it, ` +
          `or remove ${file} if that is wrong`,
      );
    }
    rmSync(file, { force: true });
  }
  throw new Error(`could not lock ${file}`);
}
