import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runChecked } from "./exec";
import { isSha256Digest } from "./reference";

/** How to install umoci where it is missing. */
export const UMOCI_INSTALL_HINT = "apt-get install -y umoci (Debian 12 and Ubuntu ship it)";

/** Annotation with the tag of a manifest in an OCI layout's index.json. */
export const REF_NAME = "org.opencontainers.image.ref.name";

/** Annotation containerd reads as the full image name when it imports an archive. */
export const CONTAINERD_IMAGE_NAME = "io.containerd.image.name";

/** A descriptor in an OCI index or manifest. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Record<string, string>;
}

/** An OCI image manifest (the fields this package reads). */
export interface Manifest {
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

/** Runs umoci with `args`; umoci's own messages go into the error when it fails. */
export function umoci(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  return runChecked("umoci", args, { env, installHint: UMOCI_INSTALL_HINT });
}

/** `umoci --version`, e.g. `umoci version 0.4.7+ds-3+b7`. */
export async function umociVersion(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return (await umoci(["--version"], env)).trim();
}

/** Reads an OCI layout's index.json. */
export function readIndex(layout: string): { manifests: Descriptor[]; [key: string]: unknown } {
  return JSON.parse(readFileSync(join(layout, "index.json"), "utf8")) as {
    manifests: Descriptor[];
  };
}

/**
 * The manifest descriptor tagged `tag` in an OCI layout.
 * @throws Error when the layout has no such tag.
 */
export function manifestOf(layout: string, tag: string): Descriptor {
  const found = readIndex(layout).manifests.find((m) => m.annotations?.[REF_NAME] === tag);
  if (found === undefined || !isSha256Digest(found.digest)) {
    throw new Error(`the OCI layout ${layout} has no manifest tagged ${JSON.stringify(tag)}`);
  }
  return found;
}

/** Reads a blob of an OCI layout, by `sha256:` digest. */
export function readBlob(layout: string, digest: string): Buffer {
  if (!isSha256Digest(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return readFileSync(blobPath(layout, digest));
}

/** Path of a blob in an OCI layout. */
export function blobPath(layout: string, digest: string): string {
  return join(layout, "blobs", "sha256", digest.slice("sha256:".length));
}

/**
 * Adds the full image name to the manifest tagged `tag` in index.json, next to the tag, so that
 * `ctr images import` names the image `reference` without a `--base-name`.
 */
export function annotateImageName(layout: string, tag: string, reference: string): void {
  const index = readIndex(layout);
  let found = false;
  const manifests = index.manifests.map((m) => {
    if (m.annotations?.[REF_NAME] !== tag) return m;
    found = true;
    return { ...m, annotations: { ...m.annotations, [CONTAINERD_IMAGE_NAME]: reference } };
  });
  if (!found)
    throw new Error(`the OCI layout ${layout} has no manifest tagged ${JSON.stringify(tag)}`);
  writeFileSync(join(layout, "index.json"), JSON.stringify({ ...index, manifests }));
}
