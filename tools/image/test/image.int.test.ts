// The real thing: builds the sample app's image with umoci (twice, to compare digests), runs it
// with runc, imports it into a private containerd and runs it there. Needs root, umoci, runc
// and containerd (apt-get install -y umoci runc containerd), and a built apps/hello.
import {
  chmodSync,
  cpSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { buildImage, type BuildResult } from "../src/build";
import { main } from "../src/cli";
import { resolveDependencies } from "../src/dependencies";
import { importImage, listImages } from "../src/import";
import { imageInfo } from "../src/info";
import { defaultAppDir } from "../src/paths";
import { readTar } from "../src/tar";
import { blobPath, type Manifest } from "../src/umoci";
import {
  exitWithin,
  freePort,
  get,
  mountsUnder,
  onPath,
  sh,
  start,
  tempDir,
  unlessExited,
  waitFor,
  type Running,
} from "./helpers";

const NEEDED = ["umoci", "runc", "containerd", "ctr", "ldd"];
const version = (
  JSON.parse(readFileSync(join(defaultAppDir(), "package.json"), "utf8")) as { version: string }
).version;

const tmp = tempDir("steady-image-it-");
const timings: string[] = [];
const time = (label: string, ms: number) => timings.push(`${label}: ${(ms / 1000).toFixed(2)} s`);
let first: BuildResult;

beforeAll(() => {
  const missing = NEEDED.filter((cmd) => !onPath(cmd));
  if (missing.length > 0) {
    throw new Error(
      `missing ${missing.join(", ")}: apt-get install -y umoci runc containerd (ldd: libc-bin)`,
    );
  }
  if (process.getuid?.() !== 0) {
    throw new Error("the image integration tests run runc and containerd, which need root");
  }
});

afterAll(() => {
  for (const mount of mountsUnder(tmp.dir)) spawnUmount(mount);
  tmp.cleanup();
  if (timings.length > 0) console.log(`steady-image timings\n  ${timings.join("\n  ")}`);
});

function spawnUmount(mount: string): void {
  try {
    sh("umount", ["-l", mount]);
  } catch {
    // Best effort: the directory is removed next either way.
  }
}

describe("building", () => {
  it("builds an image whose reference is the app version plus 12 hex digits of its digest", async () => {
    first = await buildImage({ out: join(tmp.dir, "a"), force: true });
    time("build (cold, --force)", first.elapsedMs);
    expect(first.reused).toBe(false);
    expect(first.reference).toMatch(/^steady\.local\/hello:[^:]+-[0-9a-f]{12}$/);
    expect(first.tag).toBe(`${version}-${first.digest.slice(7, 19)}`);
    expect(existsSync(first.archivePath)).toBe(true);
    expect(imageInfo({ out: join(tmp.dir, "a") })).toEqual(
      expect.objectContaining({ reference: first.reference, digest: first.digest }),
    );
  });

  it("gives the same manifest, layer and archive digests when built again from the same inputs", async () => {
    const second = await buildImage({ out: join(tmp.dir, "b") });
    time("build (cold, second output directory)", second.elapsedMs);
    expect(second.reused).toBe(false);
    expect(second.digest).toBe(first.digest);
    expect(second.layerDigest).toBe(first.layerDigest);
    expect(second.configDigest).toBe(first.configDigest);
    expect(second.archiveDigest).toBe(first.archiveDigest);
    expect(second.inputsHash).toBe(first.inputsHash);
  });

  it("reuses the previous build when the inputs hash is unchanged", async () => {
    const again = await buildImage({ out: join(tmp.dir, "a") });
    time("build (warm, reused)", again.elapsedMs);
    expect(again.reused).toBe(true);
    expect(again.digest).toBe(first.digest);
    expect(again.builtAt).toBe(first.builtAt);
  });

  it("gives another digest, and so another reference, when an input changes", async () => {
    const other = await buildImage({ out: join(tmp.dir, "c"), sourceDateEpoch: 1 });
    expect(other.inputsHash).not.toBe(first.inputsHash);
    expect(other.digest).not.toBe(first.digest);
    expect(other.reference).not.toBe(first.reference);
  });

  it("holds only node, its libraries, the app and a minimal /etc, root-owned with fixed times", () => {
    const manifest = JSON.parse(
      readFileSync(blobPath(first.layoutPath, first.digest), "utf8"),
    ) as Manifest;
    const layer = readTar(gunzipSync(readFileSync(blobPath(first.layoutPath, first.layerDigest))));
    const names = layer.map((e) => e.name.replace(/^\.\//, "").replace(/\/$/, ""));
    expect(manifest.layers).toHaveLength(1);
    expect(layer.every((e) => e.uid === 0 && e.gid === 0 && e.mtime === 0)).toBe(true);
    expect(names).toEqual(
      expect.arrayContaining([
        "usr/local/bin/node",
        "lib64/ld-linux-x86-64.so.2",
        "app/package.json",
        "app/dist/main.js",
        // The app's production dependency behind /metrics, and what it needs in turn.
        "app/node_modules/prom-client/package.json",
        "app/node_modules/tdigest/package.json",
        "app/node_modules/bintrees/package.json",
        "app/node_modules/@opentelemetry/api/package.json",
        "etc/passwd",
        "etc/group",
        "tmp",
      ]),
    );
    const allowed =
      /^(\.|app(\/.*)?|etc(\/(passwd|group|nsswitch\.conf))?|tmp|usr(\/local(\/bin(\/node)?)?)?|lib(64)?(\/.*)?)$/;
    expect(names.filter((n) => !allowed.test(n))).toEqual([]);
    for (const lib of first.libraries) expect(names).toContain(lib.slice(1));
    expect(layer.find((e) => e.name === "tmp/")?.mode).toBe(0o1777);
    const config = JSON.parse(readFileSync(blobPath(first.layoutPath, first.configDigest), "utf8"));
    expect(config.created).toBe("1970-01-01T00:00:00Z");
    expect(config.config).toEqual(
      expect.objectContaining({
        User: "10001:10001",
        WorkingDir: "/app",
        Entrypoint: ["/usr/local/bin/node", "dist/main.js"],
        ExposedPorts: { "8080/tcp": {} },
        StopSignal: "SIGTERM",
        Env: expect.arrayContaining(["NODE_ENV=production"]),
        Labels: expect.objectContaining({ "org.opencontainers.image.version": version }),
      }),
    );
  });
});

describe("building without root, through the CLI", () => {
  it("gives the same digest as user nobody (umoci --rootless), then reports the build reused", () => {
    const cli = join(__dirname, "..", "dist", "cli.js");
    if (!existsSync(cli)) {
      throw new Error(`${cli} is missing: run \`npm run build -w @steady/image\` first`);
    }
    const [uid, gid] = ["-u", "-g"].map((flag) => Number(sh("id", [flag, "nobody"]).trim()));
    const dir = join(tmp.dir, "rootless");
    mkdirSync(dir);
    chownSync(dir, uid!, gid!);
    chmodSync(tmp.dir, 0o755);
    // The checkout may sit below a directory only root can enter (a mode-0700 temporary
    // directory, say): nobody runs copies of the tool and the app from its own directory.
    const tool = join(dir, "tool");
    const app = join(dir, "app");
    cpSync(join(__dirname, "..", "dist"), join(tool, "dist"), { recursive: true });
    cpSync(join(__dirname, "..", "package.json"), join(tool, "package.json"));
    cpSync(join(defaultAppDir(), "dist"), join(app, "dist"), { recursive: true });
    cpSync(join(defaultAppDir(), "package.json"), join(app, "package.json"));
    // Its production dependencies too, now as a flat node_modules next to it (as in the image),
    // not hoisted to a workspace root: the digest must not depend on where they were found.
    for (const pkg of resolveDependencies(defaultAppDir())) {
      cpSync(pkg.dir, join(app, "node_modules", pkg.name), {
        recursive: true,
        filter: (src) => !src.slice(pkg.dir.length).split("/").includes("node_modules"),
      });
    }
    sh("chown", ["-R", `${uid}:${gid}`, dir]);
    const asNobody = (...args: string[]) =>
      sh("runuser", [
        "-u",
        "nobody",
        "--",
        "env",
        `HOME=${dir}`,
        process.execPath,
        join(tool, "dist", "cli.js"),
        ...args,
        ...(args[0] === "build" ? ["--app", app] : []),
      ]);
    const built = JSON.parse(asNobody("build", "--out", join(dir, "out"), "--json")) as BuildResult;
    expect(built.reused).toBe(false);
    expect(built.digest).toBe(first.digest);
    expect(built.archiveDigest).toBe(first.archiveDigest);
    expect(asNobody("build", "--out", join(dir, "out"))).toMatch(
      new RegExp(`^Reused ${first.reference.replace(/\./g, "\\.")}: inputs unchanged`),
    );
    expect(asNobody("ref", "--out", join(dir, "out"))).toBe(`${first.reference}\n`);
  });
});

/** Reads the app's JSON log lines from container output. */
function events(output: string): { event: string; [k: string]: unknown }[] {
  return output
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as { event: string });
}

/**
 * Serves /healthz and /version, then gets SIGTERM with a slow request in flight: that request
 * must still succeed and the container must exit 0 after draining.
 */
async function checkServesAndDrains(
  running: Running,
  port: number,
  sigterm: () => void,
): Promise<void> {
  await waitFor(
    `/readyz on port ${port}`,
    async () => (await get(port, "/readyz")).status === 200,
    {
      abortIf: unlessExited(running, "the container"),
    },
  );
  expect(await get(port, "/healthz")).toEqual({ status: 200, body: "ok\n" });
  expect(await get(port, "/version")).toEqual({ status: 200, body: "it-1\n" });
  // prom-client loads from the image's own node_modules: the counted /version request shows.
  const metrics = await get(port, "/metrics");
  expect(metrics.status).toBe(200);
  expect(metrics.body).toContain(
    'hello_http_requests_total{route="version",status_class="2xx",version="it-1"} 1',
  );
  const slow = get(port, "/?delay=1500");
  // Time for the request to reach the app; the drain log below proves it was in flight.
  await new Promise((r) => setTimeout(r, 300));
  sigterm();
  const answer = await slow;
  expect(answer.status).toBe(200);
  expect(answer.body).toContain("v=it-1");
  expect(await exitWithin(running, 20000)).toBe(0);
  const log = events(running.output());
  expect(log.find((e) => e.event === "draining")?.["inFlightRequests"]).toBe(1);
  expect(log.find((e) => e.event === "drained")?.["cutConnections"]).toBe(0);
  expect(log.find((e) => e.event === "exit")?.["code"]).toBe(0);
}

describe("running with runc", () => {
  const id = `steady-image-it-${process.pid}`;
  const runcRoot = () => join(tmp.dir, "runc");

  afterAll(() => {
    // Only if a failed test left it behind.
    spawnSyncQuiet("runc", ["--root", runcRoot(), "delete", "--force", id]);
  });

  it("serves /healthz and /version as user 10001 on a read-only root, and drains on SIGTERM", async () => {
    const bundle = join(tmp.dir, "bundle");
    sh("umoci", ["unpack", "--image", `${first.layoutPath}:${first.tag}`, bundle]);
    const port = await freePort();
    const spec = JSON.parse(readFileSync(join(bundle, "config.json"), "utf8"));
    spec.process.terminal = false;
    spec.process.env.push(`PORT=${port}`, "VERSION=it-1", "DRAIN_SECONDS=10");
    spec.root.readonly = true;
    // Host network, so the test reaches the app on 127.0.0.1 without setting up a bridge.
    spec.linux.namespaces = spec.linux.namespaces.filter(
      (n: { type: string }) => n.type !== "network",
    );
    writeFileSync(join(bundle, "config.json"), JSON.stringify(spec));

    // In the foreground rather than with -d: runc then exits with the app's own exit code.
    const began = performance.now();
    const running = start("runc", ["--root", runcRoot(), "run", "--bundle", bundle, id]);
    await waitFor(
      "the container to serve",
      async () => (await get(port, "/healthz")).status === 200,
      {
        abortIf: unlessExited(running, "runc"),
      },
    );
    time("runc: start to first answer", performance.now() - began);
    const state = JSON.parse(sh("runc", ["--root", runcRoot(), "state", id])) as { pid: number };
    const status = readFileSync(`/proc/${state.pid}/status`, "utf8");
    expect(status).toMatch(/^Uid:\s+10001\s+10001\s+10001\s+10001$/m);
    expect(status).toMatch(/^Gid:\s+10001\s+10001\s+10001\s+10001$/m);
    await checkServesAndDrains(running, port, () =>
      sh("runc", ["--root", runcRoot(), "kill", id, "TERM"]),
    );
  });
});

describe("importing into containerd", () => {
  const dir = () => join(tmp.dir, "containerd");
  const address = () => join(dir(), "containerd.sock");
  let containerd: Running | undefined;
  const runContainerdExisted = existsSync("/run/containerd");
  const ctr = (...args: string[]) =>
    sh("ctr", ["--address", address(), "--namespace", "k8s.io", ...args]);

  beforeAll(async () => {
    sh("mkdir", ["-p", dir()]);
    writeFileSync(
      join(dir(), "config.toml"),
      [
        "version = 2",
        `root = "${dir()}/root"`,
        `state = "${dir()}/state"`,
        // No CRI: nothing here talks to a kubelet, and it would want CNI.
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
        "[grpc]",
        `  address = "${address()}"`,
        "[ttrpc]",
        `  address = "${address()}.ttrpc"`,
        "[debug]",
        '  address = ""',
        "[metrics]",
        '  address = ""',
        "",
      ].join("\n"),
    );
    containerd = start("containerd", ["--config", join(dir(), "config.toml")]);
    const daemon = containerd;
    await waitFor(
      "containerd to answer",
      () => existsSync(address()) && spawnSyncQuiet("ctr", ["--address", address(), "version"]),
      { abortIf: unlessExited(daemon, "containerd") },
    );
  });

  afterAll(async () => {
    if (containerd === undefined) return;
    // Tasks and containers a failed test left behind, so no shim outlives the daemon.
    for (const task of safeLines(() => ctr("tasks", "ls", "-q"))) {
      spawnSyncQuiet("ctr", [
        "--address",
        address(),
        "-n",
        "k8s.io",
        "tasks",
        "kill",
        "-s",
        "SIGKILL",
        task,
      ]);
    }
    for (const c of safeLines(() => ctr("containers", "ls", "-q"))) {
      spawnSyncQuiet("ctr", ["--address", address(), "-n", "k8s.io", "tasks", "rm", "-f", c]);
      spawnSyncQuiet("ctr", ["--address", address(), "-n", "k8s.io", "containers", "rm", c]);
    }
    containerd.child.kill("SIGTERM");
    await exitWithin(containerd, 15000).catch(() => undefined);
    // The runc shim keeps its sockets in /run/containerd/s whatever the config says; remove
    // what this test created there, and only the empty directories.
    if (!runContainerdExisted) {
      for (const d of ["s", "fifo", "runc/k8s.io", "runc", ""]) {
        try {
          rmdirSync(join("/run/containerd", d));
        } catch {
          // Not empty or not there: leave it.
        }
      }
    }
  });

  it("imports the archive under its reference, and a second import changes nothing", async () => {
    const result = await importImage({ out: first.outDir, address: address() });
    time("import (first)", result.elapsedMs);
    expect(result).toEqual(
      expect.objectContaining({ imported: true, reference: first.reference, digest: first.digest }),
    );
    expect(ctr("images", "ls")).toContain(`${first.reference} `);
    expect(await listImages(address(), "k8s.io")).toContainEqual({
      ref: first.reference,
      digest: first.digest,
    });

    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    const errWrite = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    const began = performance.now();
    const code = await main(["import", "--out", first.outDir, "--address", address()]).finally(
      () => {
        write.mockRestore();
        errWrite.mockRestore();
      },
    );
    time("import (again, via the CLI: already present)", performance.now() - began);
    expect(code).toBe(0);
    expect(lines.join("")).toContain(`Already present: ${first.reference}`);
    expect(
      ctr("images", "ls", "-q")
        .split("\n")
        .filter((l) => l === first.reference),
    ).toHaveLength(1);
  });

  it("runs the imported image: serves, then drains on SIGTERM and exits 0", async () => {
    const port = await freePort();
    const id = `steady-image-it-${process.pid}`;
    const running = start("ctr", [
      "--address",
      address(),
      "--namespace",
      "k8s.io",
      "run",
      "--rm",
      "--net-host",
      // Kept under the test's directory rather than containerd's defaults in /run/containerd.
      "--fifo-dir",
      join(dir(), "fifo"),
      "--runc-root",
      join(dir(), "runc"),
      "--env",
      `PORT=${port}`,
      "--env",
      "VERSION=it-1",
      first.reference,
      id,
    ]);
    await checkServesAndDrains(running, port, () =>
      ctr("tasks", "kill", "--signal", "SIGTERM", id),
    );
  });
});

function spawnSyncQuiet(cmd: string, args: string[]): boolean {
  try {
    sh(cmd, args);
    return true;
  } catch {
    return false;
  }
}

function safeLines(read: () => string): string[] {
  try {
    return read()
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  } catch {
    return [];
  }
}
