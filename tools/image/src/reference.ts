/** Registry host of every image this package builds; never resolved, only a name. */
export const LOCAL_REGISTRY = "steady.local";

/** Hex digits of the manifest digest that go into the tag. */
export const DIGEST_PREFIX_LENGTH = 12;

/** Longest tag the OCI distribution spec allows. */
const MAX_TAG_LENGTH = 128;

/** A tag: letters, digits and `_` first, then also `.` and `-`. */
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** One path component of a repository name (lowercase, separators `.`, `_`, `__`, `-`). */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/** A sha256 digest in `sha256:<64 hex>` form. */
const SHA256 = /^sha256:[0-9a-f]{64}$/;

/**
 * The image name of an app: its package name without the npm scope (`@steady/hello` is
 * `hello`), checked to be a valid repository path component.
 * @throws Error naming the package name and what is valid.
 */
export function appImageName(packageName: string): string {
  const name = packageName.replace(/^@[^/]+\//, "");
  if (!COMPONENT.test(name) || name.length > 128) {
    throw new Error(
      `package name ${JSON.stringify(packageName)} cannot name an image: expected lowercase ` +
        "letters and digits separated by '.', '_', '__' or '-' (after an optional @scope/)",
    );
  }
  return name;
}

/**
 * Checks a repository such as `steady.local/hello`: slash-separated lowercase components,
 * the first one may be a registry host (with a port).
 * @throws Error naming the repository and what is valid.
 */
export function checkRepository(repository: string): string {
  const parts = repository.split("/");
  const host = parts.length > 1 ? parts[0] : undefined;
  const path = host !== undefined ? parts.slice(1) : parts;
  const hostOk = host === undefined || /^[A-Za-z0-9.-]+(?::[0-9]+)?$/.test(host);
  if (!hostOk || path.length === 0 || !path.every((c) => COMPONENT.test(c))) {
    throw new Error(
      `repository ${JSON.stringify(repository)} is not valid: expected [host[:port]/]path, ` +
        "each path component lowercase letters and digits separated by '.', '_', '__' or '-'",
    );
  }
  return repository;
}

/**
 * The content tag of an image: `<version>-<first 12 hex digits of the manifest digest>`.
 * The version comes first so that people can read it; the digest part makes the tag change
 * whenever anything in the image does, so a node never runs a stale image under an old tag.
 * @param version the app's version (package.json), e.g. `1.0.0`.
 * @param digest the manifest digest, `sha256:<64 hex>`.
 * @throws Error naming the bad version or digest and what is valid.
 */
export function contentTag(version: string, digest: string): string {
  if (!SHA256.test(digest)) {
    throw new Error(
      `digest ${JSON.stringify(digest)} is not valid: expected sha256:<64 hex digits>`,
    );
  }
  const maxVersion = MAX_TAG_LENGTH - DIGEST_PREFIX_LENGTH - 1;
  if (!TAG.test(version) || version.length > maxVersion) {
    throw new Error(
      `version ${JSON.stringify(version)} cannot be part of an image tag: expected 1 to ` +
        `${maxVersion} letters, digits, '_', '.' or '-', not starting with '.' or '-' ` +
        "(semver build metadata such as '+build' is not allowed in a tag)",
    );
  }
  const hex = digest.slice("sha256:".length, "sha256:".length + DIGEST_PREFIX_LENGTH);
  return `${version}-${hex}`;
}

/**
 * The full reference of an image: `<repository>:<version>-<12 hex of the manifest digest>`,
 * e.g. `steady.local/hello:1.0.0-3f2a9c0d1b7e`.
 * @throws Error naming the bad repository, version or digest.
 */
export function formatReference(repository: string, version: string, digest: string): string {
  return `${checkRepository(repository)}:${contentTag(version, digest)}`;
}

/** Whether `value` is a `sha256:<64 hex>` digest. */
export function isSha256Digest(value: unknown): value is string {
  return typeof value === "string" && SHA256.test(value);
}
