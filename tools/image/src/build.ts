import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, posix, resolve } from "node:path";
import { writeOciArchive } from "./archive";
import { imageConfig, umociConfigArgs } from "./config";
import { runChecked } from "./exec";
import { withPaths, readRecord, type ImageInfo, type ImageRecord } from "./info";
import { digestFiles, fileSha256, hashInputs, type BuildInputs } from "./inputs";
import { sharedLibraries } from "./ldd";
import { INFO_FILE, LAYOUT_DIR, archiveName, defaultAppDir, defaultOutDir } from "./paths";
import { listDependencyFiles } from "./dependencies";
import { listAppFiles, planRootfs, type RootfsEntry } from "./plan";
import { LOCAL_REGISTRY, appImageName, checkRepository, contentTag } from "./reference";
import { writeRootfs } from "./rootfs";
import {
  annotateImageName,
  manifestOf,
  readBlob,
  umoci,
  umociVersion,
  type Manifest,
} from "./umoci";

/** Environment variable with the fixed time of every file and of the config (reproducible builds). */
export const SOURCE_DATE_EPOCH_ENV = "SOURCE_DATE_EPOCH";

/** Tag of the image while it is being built, before its content tag is known. */
const BUILD_TAG = "build";

/** Options of {@link buildImage}. */
export interface BuildOptions {
  /** The app directory (with package.json and a built dist/). @default `<repo>/apps/hello` */
  readonly app?: string;
  /** Output directory. @default `<repo>/.steady/images/<name>` (`hello` for the sample app) */
  readonly out?: string;
  /** Repository the image is tagged in. @default `steady.local/<name>` */
  readonly repository?: string;
  /** Node.js binary to put in the image. @default `process.execPath`, symlinks resolved */
  readonly nodeBinary?: string;
  /**
   * Seconds since the epoch for every file's time and the config's `created`.
   * @default `$SOURCE_DATE_EPOCH`, else 0 (1970-01-01T00:00:00Z)
   */
  readonly sourceDateEpoch?: number;
  /** Build even when the inputs hash matches the last build. @default false */
  readonly force?: boolean;
  /** Progress lines. @default none */
  readonly log?: (line: string) => void;
  /** Environment of umoci and ldd (PATH). @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/** The outcome of {@link buildImage}. */
export interface BuildResult extends ImageInfo {
  /** True when the inputs were unchanged and the previous build was kept. */
  readonly reused: boolean;
  /** Time this call took, in milliseconds. */
  readonly elapsedMs: number;
}

/**
 * Reads SOURCE_DATE_EPOCH: unset or empty means 0.
 * @throws Error naming the value and what is valid.
 */
export function sourceDateEpochFrom(env: NodeJS.ProcessEnv): number {
  const raw = env[SOURCE_DATE_EPOCH_ENV];
  if (raw === undefined || raw === "") return 0;
  if (!/^[0-9]{1,12}$/.test(raw)) {
    throw new Error(
      `${SOURCE_DATE_EPOCH_ENV}=${JSON.stringify(raw)} is not valid: expected a non-negative ` +
        "integer of seconds since 1970-01-01T00:00:00Z",
    );
  }
  return Number(raw);
}

/** The fields of the app's package.json that the build uses. */
interface AppPackage {
  readonly name: string;
  readonly version: string;
  readonly minNodeMajor: number | undefined;
}

function readAppPackage(appDir: string): AppPackage {
  const file = join(appDir, "package.json");
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: --app must name an app directory such as apps/hello`);
  }
  const json = JSON.parse(readFileSync(file, "utf8")) as {
    name?: unknown;
    version?: unknown;
    engines?: { node?: unknown };
  };
  const problems: string[] = [];
  if (typeof json.name !== "string") problems.push("name: expected a string");
  if (typeof json.version !== "string") problems.push("version: expected a string");
  if (problems.length > 0)
    throw new Error(`${file} is not usable:\n  - ${problems.join("\n  - ")}`);
  const engine =
    typeof json.engines?.node === "string" ? /^>=\s*(\d+)/.exec(json.engines.node) : null;
  return {
    name: json.name as string,
    version: json.version as string,
    minNodeMajor: engine ? Number(engine[1]) : undefined,
  };
}

/**
 * The image name of the app in `appDir`: its package name without the scope (`hello`).
 * @throws Error when the directory has no usable package.json or the name cannot name an image.
 */
export function appNameOf(appDir: string): string {
  return appImageName(readAppPackage(appDir).name);
}

/** Version and architecture of a Node.js binary (this process's own without running it). */
async function nodeFacts(
  binary: string,
  env: NodeJS.ProcessEnv,
): Promise<{ version: string; arch: string }> {
  if (binary === realpathSync(process.execPath))
    return { version: process.version, arch: process.arch };
  const out = await runChecked(binary, ["-p", "process.version + ' ' + process.arch"], { env });
  const [version = "", arch = ""] = out.trim().split(" ");
  return { version, arch };
}

/** Whether the output directory holds a complete build of exactly these inputs. */
async function reusable(
  outDir: string,
  inputsHash: string,
  log: (line: string) => void,
): Promise<ImageRecord | undefined> {
  let record: ImageRecord | undefined;
  try {
    record = readRecord(outDir);
  } catch (e) {
    log(`rebuilding: ${(e as Error).message.split("\n")[0]}`);
    return undefined;
  }
  if (record === undefined || record.inputsHash !== inputsHash) return undefined;
  const archive = join(outDir, record.archive);
  const layout = join(outDir, record.layout);
  try {
    if (statSync(archive).size !== record.archiveSize) throw new Error("archive size differs");
    if (manifestOf(layout, record.tag).digest !== record.digest) throw new Error("layout differs");
    if (`sha256:${await fileSha256(archive)}` !== record.archiveDigest) {
      throw new Error("archive digest differs");
    }
  } catch (e) {
    log(
      `rebuilding: the previous output in ${outDir} is incomplete or changed (${(e as Error).message})`,
    );
    return undefined;
  }
  return record;
}

/** Files a build writes into its output directory, besides the archive. */
const OUTPUT_NAMES = new Set([INFO_FILE, LAYOUT_DIR]);

/**
 * Refuses to replace a directory that is not an image output directory: the swap at the end of
 * a build deletes the old one.
 */
function checkOutDir(outDir: string): void {
  if (!existsSync(outDir)) return;
  if (!statSync(outDir).isDirectory()) {
    throw new Error(
      `--out ${outDir} exists and is not a directory: choose a new or empty directory`,
    );
  }
  const foreign = readdirSync(outDir).filter(
    (n) => !OUTPUT_NAMES.has(n) && !n.endsWith(".oci.tar"),
  );
  if (foreign.length > 0) {
    throw new Error(
      `--out ${outDir} holds files that a build did not write (${foreign.slice(0, 3).join(", ")}` +
        `${foreign.length > 3 ? ", …" : ""}); a build replaces the whole directory, so choose a new or empty one`,
    );
  }
}

/** Moves a finished staging directory into place; the old output is removed only after. */
function swapInto(stage: string, outDir: string): void {
  if (!existsSync(outDir)) {
    renameSync(stage, outDir);
    return;
  }
  const old = `${stage}.old`;
  renameSync(outDir, old);
  try {
    renameSync(stage, outDir);
  } catch (e) {
    renameSync(old, outDir);
    throw e;
  }
  rmSync(old, { recursive: true, force: true });
}

/**
 * Builds the OCI image of an app with umoci, without Docker or a registry: the Node.js binary
 * and exactly the shared libraries it loads, the app's package.json and dist/, a minimal /etc
 * and /tmp, in one layer with fixed times and owners, so the same inputs give the same digest.
 *
 * Writes `<out>/oci` (an OCI layout tagged `<version>-<12 hex>`), `<out>/<name>.oci.tar` (the
 * same as an OCI archive) and `<out>/image.json`, all at once: everything is built in a staging
 * directory next to `<out>` and renamed into place. When the inputs hash equals the one in
 * image.json and the outputs are intact, nothing is built and the previous image is returned
 * (`reused: true`).
 * @throws Error naming the bad input (app directory, version, SOURCE_DATE_EPOCH, a missing
 * library or program) before anything is written.
 */
export async function buildImage(options: BuildOptions = {}): Promise<BuildResult> {
  const began = performance.now();
  const log = options.log ?? (() => undefined);
  const plan = await planBuild(options);
  const { outDir, inputsHash } = plan;
  if (!options.force) {
    const previous = await reusable(outDir, inputsHash, log);
    if (previous !== undefined) {
      return { ...withPaths(outDir, previous), reused: true, elapsedMs: performance.now() - began };
    }
  }
  log(
    `building ${plan.repository} ${plan.app.version} from ${plan.appDir}: Node.js ` +
      `${plan.node.version}, ${plan.libraries.length} shared libraries, ${plan.appFiles.length} app files`,
  );
  mkdirSync(dirname(outDir), { recursive: true });
  const stage = mkdtempSync(join(dirname(outDir), `.${basename(outDir)}.build-`));
  try {
    chmodSync(stage, 0o755);
    const record = await buildInStage(plan, stage, log, began);
    writeFileSync(join(stage, INFO_FILE), `${JSON.stringify(record, null, 2)}\n`);
    swapInto(stage, outDir);
    return { ...withPaths(outDir, record), reused: false, elapsedMs: performance.now() - began };
  } catch (e) {
    rmSync(stage, { recursive: true, force: true });
    throw e;
  }
}

/** Everything a build needs, resolved and checked before anything is written. */
interface BuildPlan {
  readonly env: NodeJS.ProcessEnv;
  readonly appDir: string;
  readonly app: ReturnType<typeof readAppPackage>;
  readonly name: string;
  readonly repository: string;
  readonly outDir: string;
  readonly sourceDateEpoch: number;
  readonly node: Awaited<ReturnType<typeof nodeFacts>>;
  readonly libraries: Awaited<ReturnType<typeof sharedLibraries>>;
  readonly appFiles: ReturnType<typeof listAppFiles>;
  readonly entries: RootfsEntry[];
  readonly config: ReturnType<typeof imageConfig>;
  /** The build's inputs with the given file digests (what was planned, or what was copied). */
  readonly inputsOf: (fileDigests: ReadonlyMap<string, string>) => BuildInputs;
  readonly inputsHash: string;
}

/** Resolves and checks the build's inputs; throws naming the bad one before anything is written. */
async function planBuild(options: BuildOptions): Promise<BuildPlan> {
  const env = options.env ?? process.env;
  const appDir = resolve(options.app ?? defaultAppDir());
  const app = readAppPackage(appDir);
  const name = appImageName(app.name);
  const repository = checkRepository(options.repository ?? `${LOCAL_REGISTRY}/${name}`);
  // Fails early on a version that cannot be a tag: the digest here is only a placeholder.
  contentTag(app.version, `sha256:${"0".repeat(64)}`);
  const outDir = resolve(options.out ?? defaultOutDir(name));
  checkOutDir(outDir);
  const sourceDateEpoch = options.sourceDateEpoch ?? sourceDateEpochFrom(env);
  const nodeBinary = realpathSync(options.nodeBinary ?? process.execPath);
  const node = await nodeFacts(nodeBinary, env);
  const major = Number(/^v(\d+)\./.exec(node.version)?.[1] ?? NaN);
  if (app.minNodeMajor !== undefined && !(major >= app.minNodeMajor)) {
    throw new Error(
      `${nodeBinary} is Node.js ${node.version}, but ${app.name} needs >= ${app.minNodeMajor} ` +
        "(engines.node): pass --node with a newer binary",
    );
  }
  const libraries = await sharedLibraries(nodeBinary, env);
  const appFiles = listAppFiles(appDir);
  // The app's production dependencies, e.g. prom-client for /metrics; the Dockerfile's
  // `npm ci --omit=dev` stage gives the same set.
  const dependencyFiles = listDependencyFiles(appDir);
  const entries = planRootfs({ appDir, appFiles, dependencyFiles, nodeBinary, libraries });
  const config = imageConfig({
    name,
    version: app.version,
    nodeVersion: node.version,
    arch: node.arch,
    sourceDateEpoch,
  });
  const umociVer = await umociVersion(env);
  const inputsOf = (fileDigests: ReadonlyMap<string, string>): BuildInputs => ({
    repository,
    version: app.version,
    config,
    umociVersion: umociVer,
    entries,
    fileDigests,
  });
  const inputsHash = hashInputs(inputsOf(await digestFiles(entries)));
  const plan = { env, appDir, app, name, repository, outDir, sourceDateEpoch, node };
  return { ...plan, libraries, appFiles, entries, config, inputsOf, inputsHash };
}

/**
 * The umoci steps in the staging directory: a layout, the rootfs in one layer, the config, the
 * content tag, then the OCI archive. Returns the image's record (written by the caller).
 */
async function buildInStage(
  plan: BuildPlan,
  stage: string,
  log: (line: string) => void,
  began: number,
): Promise<ImageRecord> {
  const { env, config, node, libraries, name, app, sourceDateEpoch } = plan;
  const layout = join(stage, LAYOUT_DIR);
  const bundle = join(stage, "bundle");
  const image = `${layout}:${BUILD_TAG}`;
  const asRoot = process.getuid?.() === 0;
  await umoci(["init", "--layout", layout], env);
  await umoci(["new", "--image", image], env);
  // Rootless: umoci maps the calling user to root in the layer, so files are still 0:0.
  await umoci(["unpack", ...(asRoot ? [] : ["--rootless"]), "--image", image, bundle], env);
  const rootfs = join(bundle, "rootfs");
  const unpackedSize = writeRootfs(rootfs, plan.entries, { sourceDateEpoch, chownToRoot: asRoot });
  // The record describes what was copied, even if a source changed since it was hashed.
  const copied: RootfsEntry[] = plan.entries.map((e) =>
    e.type === "file" ? { ...e, source: join(rootfs, ...e.path.split(posix.sep)) } : e,
  );
  const builtHash = hashInputs(plan.inputsOf(await digestFiles(copied)));
  if (builtHash !== plan.inputsHash)
    log("note: inputs changed during the build; recording what was copied");
  const createdBy = `steady-image: Node.js ${node.version}, ${libraries.length} shared libraries, ${name} ${app.version}`;
  await umoci(
    [
      "repack",
      "--image",
      image,
      "--history.created",
      config.created,
      "--history.created_by",
      createdBy,
      bundle,
    ],
    env,
  );
  await umoci(["config", "--image", image, ...umociConfigArgs(config)], env);
  const built = manifestOf(layout, BUILD_TAG);
  const tag = contentTag(app.version, built.digest);
  const reference = `${plan.repository}:${tag}`;
  await umoci(["tag", "--image", image, tag], env);
  await umoci(["rm", "--image", image], env);
  await umoci(["gc", "--layout", layout], env);
  annotateImageName(layout, tag, reference);
  rmSync(bundle, { recursive: true, force: true });

  const manifest = JSON.parse(readBlob(layout, built.digest).toString("utf8")) as Manifest;
  const [layer, ...more] = manifest.layers;
  if (layer === undefined || more.length > 0) {
    throw new Error(`expected exactly one layer, umoci wrote ${manifest.layers.length}`);
  }
  const archive = archiveName(name);
  const archiveSize = writeOciArchive(layout, join(stage, archive), sourceDateEpoch);
  return {
    reference,
    repository: plan.repository,
    tag,
    version: app.version,
    digest: built.digest,
    configDigest: manifest.config.digest,
    layerDigest: layer.digest,
    size: built.size + manifest.config.size + layer.size,
    unpackedSize,
    archive,
    archiveSize,
    archiveDigest: `sha256:${await fileSha256(join(stage, archive))}`,
    layout: LAYOUT_DIR,
    platform: `${config.os}/${config.architecture}`,
    nodeVersion: node.version,
    libraries: libraries.map((l) => l.path),
    sourceDateEpoch,
    inputsHash: builtHash,
    builtAt: new Date().toISOString(),
    buildMs: Math.round(performance.now() - began),
  };
}
