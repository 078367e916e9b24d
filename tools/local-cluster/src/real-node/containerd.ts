import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { basename, join } from "node:path";
import { run, tryRun } from "../host/host";
import { parseCmdline } from "../host/processes";

/**
 * Talking to the real node's containerd through `ctr` (Debian's containerd package ships it),
 * and finding what containerd leaves running or lying around: its shims and their sockets.
 */

/** Directory where containerd 1.6 puts its shims' sockets, whatever its own state directory. */
export const SHIM_SOCKET_DIR = "/run/containerd/s";

/** The `ctr` command line for one containerd. */
export interface Ctr {
  readonly ctr: string;
  readonly socket: string;
}

const ctrArgs = (c: Ctr, args: readonly string[], namespace?: string) => [
  "--address",
  c.socket,
  ...(namespace ? ["--namespace", namespace] : []),
  ...args,
];

/** Runs ctr; returns stdout. @throws CommandError */
export const runCtr = (c: Ctr, args: readonly string[], namespace?: string, input?: string) =>
  run(c.ctr, ctrArgs(c, args, namespace), { input, timeoutMs: 120_000 });

/** Whether something accepts connections on the unix socket (containerd is serving). */
export function socketAnswers(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once("connect", () => done(true));
    s.once("error", () => done(false));
  });
}

/**
 * Parses `ctr plugins ls`: "TYPE ID PLATFORMS STATUS" columns, one plugin per line. Returns
 * "<type>/<id>" -> status ("ok", "skip", "error").
 */
export function parsePluginList(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length >= 3) out.set(`${cols[0]}/${cols[1]}`, cols[cols.length - 1]!);
  }
  return out;
}

export const pluginStatus = (c: Ctr) => parsePluginList(runCtr(c, ["plugins", "ls"]));

/** Whether containerd has an image with exactly this reference in `namespace`. */
export function hasImage(c: Ctr, namespace: string, ref: string): boolean {
  return runCtr(c, ["images", "ls", "-q"], namespace)
    .split("\n")
    .some((l) => l.trim() === ref);
}

/**
 * Imports an OCI image archive (an image layout as a tar) whose index names the image with the
 * tag `tag` (org.opencontainers.image.ref.name): it becomes `<repository>:<tag>` in `namespace`,
 * unpacked for `snapshotter`.
 */
export function importImage(
  c: Ctr,
  o: { namespace: string; archive: string; repository: string; snapshotter: string },
): void {
  runCtr(
    c,
    ["images", "import", "--base-name", o.repository, "--snapshotter", o.snapshotter, o.archive],
    o.namespace,
  );
}

/** Kills and deletes every task (running container) in every namespace; returns "<ns>/<id>". */
export function deleteAllTasks(c: Ctr): string[] {
  const deleted: string[] = [];
  for (const ns of runCtr(c, ["namespaces", "ls", "-q"]).split("\n").filter(Boolean)) {
    const ids = runCtr(c, ["tasks", "ls", "-q"], ns).split("\n").filter(Boolean);
    for (const id of ids) {
      const r = tryRun(c.ctr, ctrArgs(c, ["tasks", "delete", "--force", id], ns), {
        timeoutMs: 30_000,
      });
      if (r.status === 0) deleted.push(`${ns}/${id}`);
    }
  }
  return deleted;
}

/**
 * Whether `argv` is a containerd shim serving the containerd at `socket`: containerd-shim-* with
 * `-address <socket>`.
 */
export function isShimOf(argv: readonly string[], socket: string): boolean {
  if (!basename(argv[0] ?? "").startsWith("containerd-shim")) return false;
  const i = argv.indexOf("-address");
  return i >= 0 && argv[i + 1] === socket;
}

/** Pids of the shims of the containerd at `socket`, from /proc. */
export function findShims(socket: string, proc = "/proc"): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync(proc)) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = parseCmdline(readFileSync(join(proc, entry, "cmdline"), "utf8"));
      if (isShimOf(argv, socket)) pids.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return pids;
}

/**
 * The socket a shim of containerd 1.6 listens on: SHIM_SOCKET_DIR/<sha256 of
 * "<containerd socket>/<namespace>/<container id>">. A shim removes it when it exits cleanly;
 * `down` removes those of killed shims.
 */
export function shimSocketPath(containerdSocket: string, namespace: string, id: string): string {
  const digest = createHash("sha256")
    .update(`${containerdSocket}/${namespace}/${id}`)
    .digest("hex");
  return join(SHIM_SOCKET_DIR, digest);
}

/** Ids of the CRI sandboxes and containers containerd has recorded under its root. */
export function criContainerIds(containerdRoot: string): string[] {
  const ids: string[] = [];
  for (const kind of ["sandboxes", "containers"]) {
    try {
      ids.push(...readdirSync(join(containerdRoot, "io.containerd.grpc.v1.cri", kind)));
    } catch {
      // none yet
    }
  }
  return ids;
}
