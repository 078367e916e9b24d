import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { run } from "../host/host";

/**
 * Small OCI images made on this machine with umoci, for the real node: its sandbox ("pause")
 * image, and throwaway images in tests. Nothing is pulled from a registry.
 */

/** A file or directory of the host copied into the image. */
export interface ImageFile {
  /** Path on this machine. */
  readonly from: string;
  /** Absolute path in the image. */
  readonly to: string;
}

export interface ImageSpec {
  /** Tag in the archive's index (the image becomes <repository>:<tag> when imported). */
  readonly tag: string;
  readonly files: readonly ImageFile[];
  readonly entrypoint: readonly string[];
  readonly cmd?: readonly string[];
  /** "uid:gid"; default root. */
  readonly user?: string;
  readonly env?: readonly string[];
  /** "amd64", "arm64", ...; default this machine's. */
  readonly architecture?: string;
}

/** The OCI architecture name of this machine (Node's process.arch mapped to GOARCH). */
export function ociArchitecture(arch: string = process.arch): string {
  const map: Record<string, string> = {
    x64: "amd64",
    arm64: "arm64",
    arm: "arm",
    s390x: "s390x",
    ppc64: "ppc64le",
    riscv64: "riscv64",
  };
  const out = map[arch];
  if (!out) throw new Error(`no OCI architecture for Node.js arch ${arch}`);
  return out;
}

/** umoci config arguments for the spec (repeated flags make the lists). */
export function umociConfigArgs(spec: ImageSpec): string[] {
  const args = ["--architecture", spec.architecture ?? ociArchitecture(), "--os", "linux"];
  for (const e of spec.entrypoint) args.push("--config.entrypoint", e);
  for (const c of spec.cmd ?? []) args.push("--config.cmd", c);
  for (const e of spec.env ?? []) args.push("--config.env", e);
  if (spec.user) args.push("--config.user", spec.user);
  return args;
}

/**
 * Builds the image into an OCI layout under `workDir` with umoci (one layer per file), and packs
 * the layout into `<workDir>/<tag>.tar`, the archive `ctr images import` reads. Returns its path.
 * `workDir` is created; its `layout` directory is replaced.
 */
export function buildImageArchive(
  tools: { readonly umoci: string; readonly tar: string },
  workDir: string,
  spec: ImageSpec,
): string {
  mkdirSync(workDir, { recursive: true });
  const layout = join(workDir, "layout");
  const archive = join(workDir, `${spec.tag}.tar`);
  rmSync(layout, { recursive: true, force: true });
  rmSync(archive, { force: true });
  const image = `${layout}:${spec.tag}`;
  run(tools.umoci, ["init", "--layout", layout]);
  run(tools.umoci, ["new", "--image", image]);
  for (const f of spec.files) run(tools.umoci, ["insert", "--image", image, f.from, f.to]);
  run(tools.umoci, ["config", "--image", image, ...umociConfigArgs(spec)]);
  // Garbage-collect the blobs the inserts and config changes replaced.
  run(tools.umoci, ["gc", "--layout", layout]);
  run(tools.tar, ["-C", layout, "-cf", archive, "."]);
  return archive;
}
