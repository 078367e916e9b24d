#!/usr/bin/env node
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { appNameOf, buildImage, type BuildResult } from "./build";
import { DEFAULT_CONTAINERD_ADDRESS, DEFAULT_NAMESPACE, importImage } from "./import";
import { ImageNotBuiltError, imageInfo } from "./info";
import { defaultOutDir } from "./paths";

const USAGE = `Usage: steady-image <command> [options]

Builds the sample app's OCI image without Docker or a registry (umoci; reproducible, tagged by
content) and imports it into containerd.

Commands:
  build     build the image into the output directory; reused when the inputs are unchanged
  import    import the built image into containerd with ctr, then check \`ctr images ls\`
  ref       print the built image's reference (steady.local/hello:<version>-<12 hex>)

Options:
  --app <dir>         the app (default: <repo root>/apps/hello); names the default output
  --out <dir>         output directory (default: <repo root>/.steady/images/<app name>)
  --force             build: build even when the inputs are unchanged;
                      import: import even when containerd has the image already
  --address <socket>  import: containerd's socket (default: ${DEFAULT_CONTAINERD_ADDRESS})
  --namespace <ns>    import: containerd namespace (default: ${DEFAULT_NAMESPACE})
  --json              build, ref: print the build record (image.json, with absolute paths)
  -h, --help          this text

Environment:
  SOURCE_DATE_EPOCH   build: seconds since 1970 for every file time and the config's created
                      time (default 0); part of the inputs
`;

/** Which options each command takes; anything else is a usage error. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  build: ["app", "out", "force", "json"],
  import: ["app", "out", "force", "address", "namespace"],
  ref: ["app", "out", "json"],
};

/** A command line that cannot run: wrong command, option or value. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A parsed command line. */
export interface Invocation {
  readonly command: "build" | "import" | "ref" | "help";
  readonly app?: string;
  readonly out?: string;
  readonly force: boolean;
  readonly json: boolean;
  readonly address?: string;
  readonly namespace?: string;
}

/**
 * Parses the arguments of steady-image.
 * @throws UsageError naming the unknown command or option, the missing value, or an option that
 * the command does not take, with the commands or options that are valid.
 */
export function parseCommandLine(argv: readonly string[]): Invocation {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        app: { type: "string" },
        out: { type: "string" },
        force: { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        address: { type: "string" },
        namespace: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: "help", force: false, json: false };
  const [command, extra] = positionals;
  if (command === undefined) throw new UsageError("missing command: expected build, import or ref");
  const allowed = ALLOWED[command];
  if (allowed === undefined) {
    throw new UsageError(
      `unknown command ${JSON.stringify(command)}: expected build, import or ref`,
    );
  }
  if (extra !== undefined) throw new UsageError(`unexpected argument ${JSON.stringify(extra)}`);
  for (const [key, value] of Object.entries(values)) {
    if (key === "help" || value === false || value === undefined) continue;
    if (!allowed.includes(key)) {
      throw new UsageError(
        `${command} does not take --${key}; it takes ${allowed.map((a) => `--${a}`).join(", ")}`,
      );
    }
  }
  for (const key of ["app", "out", "address", "namespace"] as const) {
    if (values[key] === "") throw new UsageError(`--${key} needs a non-empty value`);
  }
  return {
    command: command as Invocation["command"],
    app: values.app,
    out: values.out,
    force: values.force ?? false,
    json: values.json ?? false,
    address: values.address,
    namespace: values.namespace,
  };
}

const MiB = 1024 * 1024;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function printBuild(result: BuildResult, out: (line: string) => void): void {
  if (result.reused) {
    out(
      `Reused ${result.reference}: inputs unchanged (${result.inputsHash.slice(0, 19)}…), checked in ${seconds(result.elapsedMs)}`,
    );
  } else {
    out(`Built ${result.reference} in ${seconds(result.elapsedMs)}`);
  }
  out(`  digest   ${result.digest}`);
  out(
    `  size     ${mib(result.size)} compressed, ${mib(result.unpackedSize)} unpacked ` +
      `(Node.js ${result.nodeVersion}, ${result.libraries.length} shared libraries, ${result.platform})`,
  );
  out(`  archive  ${result.archivePath}`);
  out(`  layout   ${result.layoutPath}`);
}

/** Runs steady-image with `argv`; returns the exit code (0 ok, 1 failed, 2 usage, 3 not built). */
export async function main(argv: readonly string[]): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  const err = (line: string) => process.stderr.write(`${line}\n`);
  let inv: Invocation;
  try {
    inv = parseCommandLine(argv);
  } catch (e) {
    err(`steady-image: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (inv.command === "help") {
    out(USAGE);
    return 0;
  }
  const app = inv.app !== undefined ? resolve(inv.app) : undefined;
  try {
    const outDir =
      inv.out !== undefined
        ? resolve(inv.out)
        : app !== undefined
          ? defaultOutDir(appNameOf(app))
          : undefined;
    switch (inv.command) {
      case "build": {
        const result = await buildImage({ app, out: outDir, force: inv.force, log: err });
        if (inv.json)
          out(JSON.stringify({ ...result, elapsedMs: Math.round(result.elapsedMs) }, null, 2));
        else printBuild(result, out);
        return 0;
      }
      case "import": {
        const r = await importImage({
          out: outDir,
          address: inv.address,
          namespace: inv.namespace,
          force: inv.force,
          log: err,
        });
        out(
          r.imported
            ? `Imported ${r.reference} into containerd (namespace ${r.namespace}) in ${seconds(r.elapsedMs)}`
            : `Already present: ${r.reference} in containerd (namespace ${r.namespace}); nothing imported`,
        );
        out(`  digest   ${r.digest}`);
        return 0;
      }
      case "ref": {
        const info = imageInfo(outDir !== undefined ? { out: outDir } : {});
        out(inv.json ? JSON.stringify(info, null, 2) : info.reference);
        return 0;
      }
    }
  } catch (e) {
    err(`steady-image ${inv.command}: ${(e as Error).message}`);
    return e instanceof ImageNotBuiltError ? 3 : 1;
  }
}

if (require.main === module) {
  process.stdout.on("error", () => undefined);
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`${String((e as Error)?.stack ?? e)}\n`);
      process.exit(1);
    },
  );
}
