import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { INFO_FILE, defaultOutDir } from "./paths";
import { isSha256Digest } from "./reference";

/** What a build records in `<out>/image.json`. Paths are relative to the output directory. */
export interface ImageRecord {
  /** `steady.local/hello:<version>-<12 hex of the manifest digest>`. */
  readonly reference: string;
  /** The reference without the tag, e.g. `steady.local/hello`. */
  readonly repository: string;
  /** The tag, e.g. `1.0.0-3f2a9c0d1b7e`. */
  readonly tag: string;
  /** The app version the tag starts with. */
  readonly version: string;
  /** Manifest digest, `sha256:<64 hex>`: what containerd reports for the image. */
  readonly digest: string;
  /** Config blob digest (the image ID Docker would show). */
  readonly configDigest: string;
  /** The one layer's digest (compressed). */
  readonly layerDigest: string;
  /** Bytes a node stores and a registry would transfer: manifest + config + layer (compressed). */
  readonly size: number;
  /** Bytes of the files in the root filesystem, uncompressed. */
  readonly unpackedSize: number;
  /** The OCI archive's file name (`<name>.oci.tar`). */
  readonly archive: string;
  /** Its size in bytes. */
  readonly archiveSize: number;
  /** sha256 of the archive file: the same on every build of the same inputs. */
  readonly archiveDigest: string;
  /** The OCI layout directory's name (`oci`), tagged with {@link tag}. */
  readonly layout: string;
  /** `os/architecture`, e.g. `linux/amd64`. */
  readonly platform: string;
  /** Node.js version in the image. */
  readonly nodeVersion: string;
  /** The shared libraries in the image (loader included), by path. */
  readonly libraries: readonly string[];
  /** Seconds since the epoch stamped on every file and into the config's `created`. */
  readonly sourceDateEpoch: number;
  /** sha256 over everything that decides the image's bytes (see `hashInputs`). */
  readonly inputsHash: string;
  /** Wall-clock time the image was built (not part of the image). */
  readonly builtAt: string;
  /** How long the build took, in milliseconds. */
  readonly buildMs: number;
}

/** An image record with the absolute paths of its output directory and files. */
export interface ImageInfo extends ImageRecord {
  /** The output directory holding `image.json`, the archive and the layout. */
  readonly outDir: string;
  /** Absolute path of the OCI archive. */
  readonly archivePath: string;
  /** Absolute path of the OCI layout directory. */
  readonly layoutPath: string;
}

/** No image has been built in the output directory yet. */
export class ImageNotBuiltError extends Error {
  /** @param outDir the output directory that has no image.json. */
  constructor(readonly outDir: string) {
    super(`no image built in ${outDir} (no ${INFO_FILE}): run \`steady-image build\` first`);
    this.name = "ImageNotBuiltError";
  }
}

const STRING_FIELDS = [
  "reference",
  "repository",
  "tag",
  "version",
  "archive",
  "layout",
  "platform",
  "nodeVersion",
  "builtAt",
] as const;
const DIGEST_FIELDS = [
  "digest",
  "configDigest",
  "layerDigest",
  "archiveDigest",
  "inputsHash",
] as const;
const NUMBER_FIELDS = [
  "size",
  "unpackedSize",
  "archiveSize",
  "sourceDateEpoch",
  "buildMs",
] as const;

/**
 * Checks a parsed image.json and lists every problem.
 * @returns the problems, one sentence each; empty when the record is valid.
 */
export function checkRecord(value: unknown): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return ["expected a JSON object"];
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of STRING_FIELDS) {
    if (typeof record[key] !== "string" || record[key] === "") {
      problems.push(`${key}: expected a non-empty string`);
    }
  }
  for (const key of DIGEST_FIELDS) {
    if (!isSha256Digest(record[key])) problems.push(`${key}: expected sha256:<64 hex digits>`);
  }
  for (const key of NUMBER_FIELDS) {
    const n = record[key];
    if (typeof n !== "number" || !Number.isSafeInteger(n) || n < 0) {
      problems.push(`${key}: expected a non-negative integer`);
    }
  }
  const libs = record["libraries"];
  if (!Array.isArray(libs) || !libs.every((l) => typeof l === "string")) {
    problems.push("libraries: expected an array of paths");
  }
  if (
    problems.length === 0 &&
    record["reference"] !== `${String(record["repository"])}:${String(record["tag"])}`
  ) {
    problems.push("reference: expected <repository>:<tag>");
  }
  return problems;
}

/** Reads `<outDir>/image.json`; undefined when there is none. */
export function readRecord(outDir: string): ImageRecord | undefined {
  const file = join(outDir, INFO_FILE);
  if (!existsSync(file)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(
      `${file} is not valid JSON (${(e as Error).message}): rebuild with \`steady-image build --force\``,
    );
  }
  const problems = checkRecord(parsed);
  if (problems.length > 0) {
    throw new Error(
      `${file} is not a valid image record:\n${problems.map((p) => `  - ${p}`).join("\n")}\n` +
        "Rebuild with `steady-image build --force`.",
    );
  }
  return parsed as ImageRecord;
}

/** Adds the absolute paths of an output directory to a record. */
export function withPaths(outDir: string, record: ImageRecord): ImageInfo {
  return {
    ...record,
    outDir,
    archivePath: join(outDir, record.archive),
    layoutPath: join(outDir, record.layout),
  };
}

/** Options of {@link imageInfo}. */
export interface ImageInfoOptions {
  /** Output directory of the build. @default `<repo>/.steady/images/<name>` */
  readonly out?: string;
  /** Image name, used for the default output directory. @default "hello" */
  readonly name?: string;
}

/**
 * The image last built into an output directory: reference, digest, sizes and file paths, for
 * stacks, tests and the local cluster to consume.
 * @throws ImageNotBuiltError when nothing was built there; Error for a damaged image.json.
 */
export function imageInfo(options: ImageInfoOptions = {}): ImageInfo {
  const outDir = options.out ?? defaultOutDir(options.name ?? "hello");
  const record = readRecord(outDir);
  if (record === undefined) throw new ImageNotBuiltError(outDir);
  return withPaths(outDir, record);
}
