import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { compareBytes } from "./plan";
import { writeTar, type TarInput } from "./tar";

/**
 * The entries of an OCI archive of `layout`: every file and directory of the layout, relative
 * to it (`oci-layout`, `index.json`, `blobs/sha256/<hex>`), in byte order of their paths, files
 * 0644 and directories 0755.
 */
export function layoutEntries(layout: string): TarInput[] {
  const entries: TarInput[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const relPath = rel === "" ? name : `${rel}/${name}`;
      const stat = statSync(path);
      if (stat.isDirectory()) {
        entries.push({ name: relPath, type: "dir", mode: 0o755 });
        walk(path, relPath);
      } else if (stat.isFile()) {
        entries.push({ name: relPath, type: "file", mode: 0o644, source: path });
      } else {
        throw new Error(
          `${path} is neither a file nor a directory; an OCI layout holds only those`,
        );
      }
    }
  };
  walk(layout, "");
  return entries.sort((a, b) => compareBytes(a.name, b.name));
}

/**
 * Writes an OCI archive (a tar of the OCI layout, as `ctr images import`, `skopeo` and
 * `podman load` read it) of `layout` to `archive`, reproducibly: sorted, owner 0:0, every
 * modification time `mtime`.
 * @returns the archive's size in bytes.
 */
export function writeOciArchive(layout: string, archive: string, mtime: number): number {
  return writeTar(archive, layoutEntries(layout), mtime);
}
