import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { ImageConfig } from "./config";
import { compareBytes, type RootfsEntry } from "./plan";

/**
 * Version of the build recipe: how the rootfs is laid out and the layer and archive are written.
 * Part of the inputs hash, so a change to the recipe that the inputs do not show (a different
 * umoci call, another archive format) must bump it, or old outputs would be reused.
 */
export const RECIPE_VERSION = 1;

/** Everything that decides the image's bytes. */
export interface BuildInputs {
  /** Repository the image is tagged in, e.g. `steady.local/hello`. */
  readonly repository: string;
  /** App version, the first part of the tag. */
  readonly version: string;
  /** The image configuration (entrypoint, user, labels, created time, platform…). */
  readonly config: ImageConfig;
  /** `umoci --version`: another umoci may compress or order the layer differently. */
  readonly umociVersion: string;
  /** The root filesystem, sorted by path. */
  readonly entries: readonly RootfsEntry[];
  /** sha256 (hex) of each copied file's content, by image path. */
  readonly fileDigests: ReadonlyMap<string, string>;
}

/**
 * The inputs hash: sha256 over a canonical JSON of the recipe version, repository, version,
 * image configuration, umoci version and every rootfs entry (path, type, mode, and the content
 * digest of files). Host paths are left out: the same content from another checkout gives the
 * same hash. Entries are hashed in byte order of their paths, whatever order they come in.
 * @returns `sha256:<64 hex>`.
 * @throws Error when a copied file has no digest in `fileDigests`.
 */
export function hashInputs(inputs: BuildInputs): string {
  const entries = [...inputs.entries]
    .sort((a, b) => compareBytes(a.path, b.path))
    .map((e) => {
      const mode = e.mode.toString(8);
      if (e.type === "dir") return ["dir", e.path, mode];
      if (e.type === "generated") return ["generated", e.path, mode, sha256Hex(e.content)];
      const digest = inputs.fileDigests.get(e.path);
      if (digest === undefined) throw new Error(`no content digest for ${e.path} (${e.source})`);
      return ["file", e.path, mode, digest];
    });
  const { config } = inputs;
  const canonical = JSON.stringify({
    recipe: RECIPE_VERSION,
    repository: inputs.repository,
    version: inputs.version,
    umoci: inputs.umociVersion,
    config: {
      entrypoint: config.entrypoint,
      workingDir: config.workingDir,
      user: config.user,
      env: config.env,
      exposedPorts: config.exposedPorts,
      stopSignal: config.stopSignal,
      labels: Object.keys(config.labels)
        .sort()
        .map((k) => [k, config.labels[k]]),
      architecture: config.architecture,
      os: config.os,
      created: config.created,
    },
    entries,
  });
  return `sha256:${sha256Hex(canonical)}`;
}

/** sha256 of a string or buffer, as 64 hex digits. */
export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** sha256 of a file's content, as 64 hex digits, read as a stream. */
export function fileSha256(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(path)
      .on("error", reject)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")));
  });
}

/** Content digests of every copied file of `entries`, by image path. */
export async function digestFiles(entries: readonly RootfsEntry[]): Promise<Map<string, string>> {
  const digests = new Map<string, string>();
  for (const e of entries) {
    if (e.type === "file") digests.set(e.path, await fileSha256(e.source));
  }
  return digests;
}
