import { existsSync, statSync } from "node:fs";
import { runChecked } from "./exec";
import { imageInfo, type ImageInfo } from "./info";

/** ctr's default socket. */
export const DEFAULT_CONTAINERD_ADDRESS = "/run/containerd/containerd.sock";

/** The namespace the kubelet's CRI plugin uses: images there are visible to Kubernetes. */
export const DEFAULT_NAMESPACE = "k8s.io";

/** How to install ctr where it is missing. */
export const CTR_INSTALL_HINT = "apt-get install -y containerd (ctr ships with it)";

/** containerd's namespace rule. */
const NAMESPACE = /^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$/;

/** Options of {@link importImage}. */
export interface ImportOptions {
  /** containerd's socket. @default "/run/containerd/containerd.sock" */
  readonly address?: string;
  /** containerd namespace. @default "k8s.io" */
  readonly namespace?: string;
  /** The build's output directory. @default `<repo>/.steady/images/hello` */
  readonly out?: string;
  /** Import even when the reference is already there with the same digest. @default false */
  readonly force?: boolean;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** Environment of ctr (PATH). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The outcome of {@link importImage}. */
export interface ImportResult {
  /** The image's reference, as containerd lists it. */
  readonly reference: string;
  /** Its manifest digest. */
  readonly digest: string;
  /** The namespace it is in. */
  readonly namespace: string;
  /** The socket used. */
  readonly address: string;
  /** False when the image was already there with the same digest and nothing was imported. */
  readonly imported: boolean;
  /** Time this call took, in milliseconds. */
  readonly elapsedMs: number;
}

/** One row of `ctr images ls`. */
export interface ListedImage {
  /** Image name (REF column). */
  readonly ref: string;
  /** Target digest (DIGEST column). */
  readonly digest: string;
}

/**
 * Parses `ctr images ls` output: a header line (`REF TYPE DIGEST SIZE PLATFORMS LABELS`), then
 * one line per image. Only the name and digest are read; SIZE holds a space ("39.9 MiB"), so
 * columns are found from the left.
 * @throws Error quoting a line without a digest in the third column.
 */
export function parseImageList(output: string): ListedImage[] {
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) return [];
  const [header, ...rows] = lines;
  if (!/^REF\s+TYPE\s+DIGEST\b/.test(header ?? "")) {
    throw new Error(`unexpected \`ctr images ls\` header: ${JSON.stringify(header)}`);
  }
  return rows.map((row) => {
    const [ref = "", , digest = ""] = row.trim().split(/\s+/);
    if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
      throw new Error(`unexpected \`ctr images ls\` line: ${JSON.stringify(row)}`);
    }
    return { ref, digest };
  });
}

/**
 * Checks the containerd address and namespace, reporting both problems at once.
 * @throws Error naming each bad value and what is valid.
 */
export function checkTarget(address: string, namespace: string): void {
  const problems: string[] = [];
  if (!NAMESPACE.test(namespace) || namespace.length > 76) {
    problems.push(
      `--namespace ${JSON.stringify(namespace)} is not valid: expected letters and digits, ` +
        "optionally separated by single '.', '_' or '-' (at most 76 characters), e.g. k8s.io",
    );
  }
  if (!existsSync(address)) {
    problems.push(
      `--address ${address}: no such socket; is containerd running? Pass its socket path`,
    );
  } else if (!statSync(address).isSocket()) {
    problems.push(
      `--address ${address} is not a socket: pass containerd's socket (its grpc.address)`,
    );
  }
  if (problems.length === 1) throw new Error(problems[0]);
  if (problems.length > 1)
    throw new Error(`${problems.length} problems:\n  - ${problems.join("\n  - ")}`);
}

/** Lists the images of a namespace with ctr. */
export async function listImages(
  address: string,
  namespace: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ListedImage[]> {
  const out = await runChecked(
    "ctr",
    ["--address", address, "--namespace", namespace, "images", "ls"],
    {
      env,
      installHint: CTR_INSTALL_HINT,
    },
  );
  return parseImageList(out);
}

/**
 * Imports the last built image (its OCI archive) into containerd with `ctr images import`,
 * under its content reference, and checks with `ctr images ls` that the reference is there with
 * the built digest. Idempotent: when it is already there with that digest, nothing is imported.
 * @throws Error for a bad address or namespace, a missing build or archive, or an import that
 * does not show up in the list.
 */
export async function importImage(options: ImportOptions = {}): Promise<ImportResult> {
  const began = performance.now();
  const log = options.log ?? (() => undefined);
  const env = options.env ?? process.env;
  const address = options.address ?? DEFAULT_CONTAINERD_ADDRESS;
  const namespace = options.namespace ?? DEFAULT_NAMESPACE;
  checkTarget(address, namespace);
  const info: ImageInfo = imageInfo(options.out !== undefined ? { out: options.out } : {});
  if (!existsSync(info.archivePath)) {
    throw new Error(`${info.archivePath} is missing: rebuild with \`steady-image build --force\``);
  }
  const result = (imported: boolean): ImportResult => ({
    reference: info.reference,
    digest: info.digest,
    namespace,
    address,
    imported,
    elapsedMs: performance.now() - began,
  });
  const present = (images: ListedImage[]) =>
    images.some((i) => i.ref === info.reference && i.digest === info.digest);

  if (!options.force && present(await listImages(address, namespace, env))) {
    log(`${info.reference} is already in containerd (${namespace}) with digest ${info.digest}`);
    return result(false);
  }
  log(`importing ${info.archivePath} into containerd (${address}, namespace ${namespace})`);
  await runChecked(
    "ctr",
    ["--address", address, "--namespace", namespace, "images", "import", info.archivePath],
    { env, installHint: CTR_INSTALL_HINT },
  );
  const after = await listImages(address, namespace, env);
  if (!present(after)) {
    const same = after.find((i) => i.ref === info.reference);
    throw new Error(
      same
        ? `after the import, containerd lists ${info.reference} with digest ${same.digest}, not ${info.digest}`
        : `after the import, \`ctr images ls\` does not list ${info.reference} in namespace ${namespace}`,
    );
  }
  return result(true);
}
