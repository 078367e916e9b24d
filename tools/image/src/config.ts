/** Where the Node.js binary goes in the image, as in the official node images. */
export const NODE_PATH = "/usr/local/bin/node";

/** The app's directory in the image (the Dockerfile's WORKDIR). */
export const APP_DIR = "/app";

/** User and group the app runs as: numeric, so `runAsNonRoot` can check it without a lookup. */
export const APP_UID = 10001;

/** The app's port (the Dockerfile's EXPOSE; the app's PORT default). */
export const APP_PORT = 8080;

/** The image configuration: what a runtime needs to start the app. */
export interface ImageConfig {
  /** Program and arguments: the app runs as PID 1 and handles SIGTERM itself. */
  readonly entrypoint: readonly string[];
  /** Working directory, where `dist/main.js` is resolved from. */
  readonly workingDir: string;
  /** `uid:gid`, numeric. */
  readonly user: string;
  /** `NAME=value` pairs. */
  readonly env: readonly string[];
  /** `port/protocol` pairs. */
  readonly exposedPorts: readonly string[];
  /** Signal that asks the app to stop (it then drains). */
  readonly stopSignal: string;
  /** OCI annotation keys as labels, sorted by key. */
  readonly labels: Readonly<Record<string, string>>;
  /** OCI platform architecture (`amd64`, `arm64`, …). */
  readonly architecture: string;
  /** OCI platform OS; always `linux`. */
  readonly os: string;
  /** Creation time, RFC 3339 in UTC: the fixed source date, never the wall clock. */
  readonly created: string;
}

/** What {@link imageConfig} needs to know about the app and the build. */
export interface ImageConfigInput {
  /** Image name, e.g. `hello`. */
  readonly name: string;
  /** App version from package.json, e.g. `1.0.0`. */
  readonly version: string;
  /** Node.js version in the image, e.g. `v20.20.2`. */
  readonly nodeVersion: string;
  /** Node.js `process.arch` of the binary (`x64`, `arm64`, …). */
  readonly arch: string;
  /** Seconds since the epoch used for every timestamp in the image. */
  readonly sourceDateEpoch: number;
}

/** Node.js `process.arch` values and their OCI names. */
const OCI_ARCH: Readonly<Record<string, string>> = {
  x64: "amd64",
  arm64: "arm64",
  arm: "arm",
  ia32: "386",
  ppc64: "ppc64le",
  s390x: "s390x",
  riscv64: "riscv64",
  loong64: "loong64",
};

/**
 * The OCI architecture for a Node.js `process.arch`.
 * @throws Error naming the architecture and the supported ones.
 */
export function ociArchitecture(arch: string): string {
  const oci = OCI_ARCH[arch];
  if (oci === undefined) {
    throw new Error(
      `architecture ${JSON.stringify(arch)} is not supported: expected one of ${Object.keys(OCI_ARCH).join(", ")}`,
    );
  }
  return oci;
}

/**
 * RFC 3339 UTC time of a source date, without fractions: `1970-01-01T00:00:00Z` for 0.
 * @throws Error when `seconds` is not a non-negative integer.
 */
export function rfc3339(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new Error(
      `source date ${seconds} is not valid: expected a non-negative integer of seconds`,
    );
  }
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The image configuration of the sample app, matching apps/hello/Dockerfile: `node dist/main.js`
 * in /app as 10001:10001, NODE_ENV=production, port 8080, SIGTERM to stop.
 */
export function imageConfig(input: ImageConfigInput): ImageConfig {
  return {
    entrypoint: [NODE_PATH, "dist/main.js"],
    workingDir: APP_DIR,
    user: `${APP_UID}:${APP_UID}`,
    // PATH lets a pod's `command: [node, …]` find the runtime, as in the node images.
    env: ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production"],
    exposedPorts: [`${APP_PORT}/tcp`],
    stopSignal: "SIGTERM",
    labels: {
      "dev.steady.node.version": input.nodeVersion,
      "org.opencontainers.image.title": input.name,
      "org.opencontainers.image.version": input.version,
    },
    architecture: ociArchitecture(input.arch),
    os: "linux",
    created: rfc3339(input.sourceDateEpoch),
  };
}

/**
 * `umoci config` arguments that set `config` on an image, history entry included, all with the
 * fixed creation time so the config blob is the same on every build.
 */
export function umociConfigArgs(config: ImageConfig): string[] {
  const args = [
    "--created",
    config.created,
    "--architecture",
    config.architecture,
    "--os",
    config.os,
    "--config.workingdir",
    config.workingDir,
    "--config.user",
    config.user,
    "--config.stopsignal",
    config.stopSignal,
    "--history.created",
    config.created,
    "--history.created_by",
    "steady-image config",
  ];
  for (const part of config.entrypoint) args.push("--config.entrypoint", part);
  for (const env of config.env) args.push("--config.env", env);
  for (const port of config.exposedPorts) args.push("--config.exposedports", port);
  for (const key of Object.keys(config.labels).sort()) {
    args.push("--config.label", `${key}=${config.labels[key]}`);
  }
  return args;
}

/** A small generated file of the image: /etc/passwd and friends. */
export interface GeneratedFile {
  /** Absolute path in the image. */
  readonly path: string;
  /** Content. */
  readonly content: string;
}

/**
 * The minimal /etc: the app's user and group (10001) and root, and an nsswitch.conf that keeps
 * lookups to files and DNS (glibc 2.34+ has both built in, so no NSS modules are needed).
 */
export function etcFiles(): GeneratedFile[] {
  return [
    {
      path: "/etc/group",
      content: `root:x:0:\napp:x:${APP_UID}:\n`,
    },
    {
      path: "/etc/nsswitch.conf",
      content: "passwd: files\ngroup: files\nhosts: files dns\n",
    },
    {
      path: "/etc/passwd",
      content:
        "root:x:0:0:root:/root:/sbin/nologin\n" +
        `app:x:${APP_UID}:${APP_UID}:app:${APP_DIR}:/sbin/nologin\n`,
    },
  ];
}
