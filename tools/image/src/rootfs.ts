import {
  chmodSync,
  copyFileSync,
  lchownSync,
  lutimesSync,
  mkdirSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { RootfsEntry } from "./plan";

/** Options of {@link writeRootfs}. */
export interface WriteRootfsOptions {
  /** Seconds since the epoch given to every entry as its modification time. */
  readonly sourceDateEpoch: number;
  /**
   * Whether to chown everything to 0:0. Only root can; a rootless umoci maps the calling user
   * to root in the layer instead.
   */
  readonly chownToRoot: boolean;
}

/**
 * Writes `entries` under `rootfs` (an empty directory, from `umoci unpack`), with exactly the
 * planned modes, owner root, and one fixed modification time on every entry and on `rootfs`
 * itself, so the layer does not depend on when or where the build ran.
 * @returns the total size in bytes of the files written.
 */
export function writeRootfs(
  rootfs: string,
  entries: readonly RootfsEntry[],
  options: WriteRootfsOptions,
): number {
  let bytes = 0;
  const onHost = (path: string): string => join(rootfs, ...path.split("/").filter((p) => p !== ""));
  // Sorted by path, so a parent directory always comes before what it holds.
  for (const entry of entries) {
    const target = onHost(entry.path);
    switch (entry.type) {
      case "dir":
        mkdirSync(target, { recursive: true });
        break;
      case "file":
        copyFileSync(entry.source, target);
        bytes += statSync(target).size;
        break;
      case "generated":
        writeFileSync(target, entry.content);
        bytes += Buffer.byteLength(entry.content);
        break;
    }
    if (options.chownToRoot) lchownSync(target, 0, 0);
    // chmod, not the mode argument of mkdir/copy: the umask would take bits away.
    chmodSync(target, entry.mode);
  }
  // Timestamps last: creating entries above changed their parents' modification times.
  const time = options.sourceDateEpoch;
  for (const entry of [...entries].reverse()) lutimesSync(onHost(entry.path), time, time);
  if (options.chownToRoot) lchownSync(rootfs, 0, 0);
  chmodSync(rootfs, 0o755);
  lutimesSync(rootfs, time, time);
  return bytes;
}
