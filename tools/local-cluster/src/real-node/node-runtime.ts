import { closeSync, openSync, readSync } from "node:fs";
import { join } from "node:path";
import { findBinary, isExecutableFile, MissingBinaryError } from "../host/binaries";
import { findSystemTool } from "../host/host";

/** Where Debian's containernetworking-plugins installs the CNI plugins. */
export const CNI_BIN_DIR = "/usr/lib/cni";

/** CNI plugins the real node uses (containerd runs loopback itself for every pod). */
export const CNI_PLUGINS = ["bridge", "host-local", "loopback", "portmap"] as const;

/** The script that installs every package below. */
export const INSTALL_SCRIPT = "tools/toolchain/install-node-runtime.sh";

/** Everything the real node runs or calls, as absolute paths. */
export interface NodeRuntime {
  /** From the steady toolchain. */
  readonly kubelet: string;
  readonly kubeProxy: string;
  /** From the host's packages. */
  readonly containerd: string;
  readonly ctr: string;
  readonly runc: string;
  readonly ip: string;
  readonly iptables: string;
  readonly iptablesSave: string;
  readonly iptablesRestore: string;
  /** Absent on machines without IPv6 netfilter tools; then only IPv4 is cleaned. */
  readonly ip6tablesSave?: string;
  readonly ip6tablesRestore?: string;
  /** nft (nftables): removes the empty iptables-nft tables the node leaves; optional. */
  readonly nft?: string;
  readonly umount: string;
  readonly umoci: string;
  readonly tar: string;
  /** A statically linked busybox: the sandbox image is built from it. */
  readonly busybox: string;
  readonly cniBinDir: string;
}

/**
 * Whether an ELF executable is statically linked: it has no PT_INTERP program header (no dynamic
 * loader). Only 64-bit little-endian ELF is understood; anything else counts as not static.
 */
export function isStaticElf(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const header = Buffer.alloc(64);
    if (readSync(fd, header, 0, 64, 0) < 64) return false;
    const isElf64Le =
      header.readUInt32BE(0) === 0x7f454c46 && header[4] === 2 /* 64-bit */ && header[5] === 1;
    if (!isElf64Le) return false;
    const phoff = Number(header.readBigUInt64LE(0x20));
    const phentsize = header.readUInt16LE(0x36);
    const phnum = header.readUInt16LE(0x38);
    if (phentsize < 4 || phnum === 0) return false;
    const table = Buffer.alloc(phentsize * phnum);
    if (readSync(fd, table, 0, table.length, phoff) < table.length) return false;
    for (let i = 0; i < phnum; i++) {
      if (table.readUInt32LE(i * phentsize) === 3 /* PT_INTERP */) return false;
    }
    return true;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** One missing piece: what, and which Debian package provides it. */
export interface MissingPiece {
  readonly what: string;
  readonly pkg: string;
}

/** The real node cannot start: packages or toolchain binaries are missing (all of them listed). */
export class MissingRuntimeError extends Error {
  constructor(
    readonly missing: readonly MissingPiece[],
    readonly toolchain: readonly string[],
  ) {
    const lines: string[] = [];
    if (missing.length) {
      const pkgs = [...new Set(missing.map((m) => m.pkg))];
      lines.push(
        `The real node needs packages that are missing: ` +
          missing.map((m) => `${m.what} (package ${m.pkg})`).join(", ") +
          `. Install them with: sudo ${INSTALL_SCRIPT} ${pkgs.join(" ")}`,
      );
    }
    if (toolchain.length) {
      lines.push(
        `The real node needs ${toolchain.join(" and ")} from the steady toolchain: ` +
          "run `npm run toolchain` (tools/toolchain/build.sh kubernetes).",
      );
    }
    super(lines.join("\n"));
    this.name = "MissingRuntimeError";
  }
}

/** How to find a busybox: PATH, then Debian's busybox-static location. */
function findStaticBusybox(env: NodeJS.ProcessEnv): { path?: string; dynamic?: string } {
  const candidates = [findSystemTool("busybox", env), "/bin/busybox", "/usr/bin/busybox"];
  let dynamic: string | undefined;
  for (const c of candidates) {
    if (!c || !isExecutableFile(c)) continue;
    if (isStaticElf(c)) return { path: c };
    dynamic ??= c;
  }
  return { dynamic };
}

/**
 * Finds everything the real node needs, or throws one MissingRuntimeError listing every missing
 * package (with the install command) and every missing toolchain binary.
 */
export function findNodeRuntime(env: NodeJS.ProcessEnv = process.env): NodeRuntime {
  const missing: MissingPiece[] = [];
  const toolchain: string[] = [];
  const fromToolchain = (name: string): string => {
    try {
      return findBinary(name, env);
    } catch (e) {
      if (!(e instanceof MissingBinaryError)) throw e;
      toolchain.push(name);
      return "";
    }
  };
  const tool = (name: string, pkg: string): string => {
    const found = findSystemTool(name, env);
    if (!found) missing.push({ what: name, pkg });
    return found ?? "";
  };
  const kubelet = fromToolchain("kubelet");
  const kubeProxy = fromToolchain("kube-proxy");
  const runtime = {
    kubelet,
    kubeProxy,
    containerd: tool("containerd", "containerd"),
    ctr: tool("ctr", "containerd"),
    runc: tool("runc", "runc"),
    ip: tool("ip", "iproute2"),
    iptables: tool("iptables", "iptables"),
    iptablesSave: tool("iptables-save", "iptables"),
    iptablesRestore: tool("iptables-restore", "iptables"),
    ip6tablesSave: findSystemTool("ip6tables-save", env),
    ip6tablesRestore: findSystemTool("ip6tables-restore", env),
    nft: findSystemTool("nft", env),
    umount: tool("umount", "mount"),
    umoci: tool("umoci", "umoci"),
    tar: tool("tar", "tar"),
    busybox: "",
    cniBinDir: CNI_BIN_DIR,
  };
  if (!findSystemTool("containerd-shim-runc-v2", env)) {
    missing.push({ what: "containerd-shim-runc-v2", pkg: "containerd" });
  }
  for (const plugin of CNI_PLUGINS) {
    if (!isExecutableFile(join(CNI_BIN_DIR, plugin))) {
      missing.push({ what: `${CNI_BIN_DIR}/${plugin}`, pkg: "containernetworking-plugins" });
    }
  }
  const busybox = findStaticBusybox(env);
  if (busybox.path) runtime.busybox = busybox.path;
  else {
    missing.push({
      what: busybox.dynamic
        ? `a statically linked busybox (${busybox.dynamic} is dynamically linked)`
        : "a statically linked busybox",
      pkg: "busybox-static",
    });
  }
  if (missing.length || toolchain.length) throw new MissingRuntimeError(missing, toolchain);
  return runtime;
}
