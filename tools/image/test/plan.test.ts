import { lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listAppFiles, planRootfs, type PlanInput } from "../src/plan";
import { writeRootfs } from "../src/rootfs";
import { tempDir } from "./helpers";
import { useTempDir } from "@steady/testing";

const input: PlanInput = {
  appDir: "/repo/apps/hello",
  appFiles: ["dist/main.js", "package.json"],
  nodeBinary: "/usr/bin/node",
  libraries: [
    { name: "libc.so.6", path: "/lib/x86_64-linux-gnu/libc.so.6", loader: false },
    { name: "ld-linux-x86-64.so.2", path: "/lib64/ld-linux-x86-64.so.2", loader: true },
  ],
};

describe("planRootfs", () => {
  const plan = planRootfs(input);
  const byPath = new Map(plan.map((e) => [e.path, e]));

  it("lists node, the libraries, the app, /etc, /tmp and every parent directory, sorted", () => {
    expect(plan.map((e) => `${e.type} ${e.path} ${e.mode.toString(8)}`)).toEqual([
      "dir /app 755",
      "dir /app/dist 755",
      "file /app/dist/main.js 644",
      "file /app/package.json 644",
      "dir /etc 755",
      "generated /etc/group 644",
      "generated /etc/nsswitch.conf 644",
      "generated /etc/passwd 644",
      "dir /lib 755",
      "dir /lib/x86_64-linux-gnu 755",
      "file /lib/x86_64-linux-gnu/libc.so.6 644",
      "dir /lib64 755",
      "file /lib64/ld-linux-x86-64.so.2 755",
      "dir /tmp 1777",
      "dir /usr 755",
      "dir /usr/local 755",
      "dir /usr/local/bin 755",
      "file /usr/local/bin/node 755",
    ]);
  });

  it("copies each file from where it is on the build machine", () => {
    expect(byPath.get("/usr/local/bin/node")).toMatchObject({ source: "/usr/bin/node" });
    expect(byPath.get("/app/dist/main.js")).toMatchObject({
      source: "/repo/apps/hello/dist/main.js",
    });
    expect(byPath.get("/lib64/ld-linux-x86-64.so.2")).toMatchObject({
      source: "/lib64/ld-linux-x86-64.so.2",
    });
  });

  it("refuses two inputs for one path, naming both", () => {
    const clash = {
      ...input,
      libraries: [{ name: "node", path: "/usr/local/bin/node", loader: false }],
    };
    expect(() => planRootfs(clash)).toThrow(
      "two inputs claim /usr/local/bin/node in the image: /usr/bin/node and /usr/local/bin/node",
    );
  });

  it("refuses a library where a directory must be", () => {
    const clash = { ...input, libraries: [{ name: "x", path: "/usr/local", loader: false }] };
    expect(() => planRootfs(clash)).toThrow(
      "/usr/local is both a file (/usr/local) and a directory in the image",
    );
  });

  it.each(["../secret", "/etc/shadow"])(
    "refuses the app file %j outside the app directory",
    (file) => {
      expect(() => planRootfs({ ...input, appFiles: [file] })).toThrow(
        `app file ${JSON.stringify(file)} is not a path inside the app directory`,
      );
    },
  );
});

describe("listAppFiles", () => {
  const t = useTempDir();

  it("takes package.json and everything under dist/, like the Dockerfile", () => {
    mkdirSync(join(t.dir, "dist", "sub"), { recursive: true });
    mkdirSync(join(t.dir, "src"));
    for (const f of [
      "package.json",
      "dist/main.js",
      "dist/main.js.map",
      "dist/sub/b.js",
      "src/main.ts",
    ]) {
      writeFileSync(join(t.dir, f), "x");
    }
    expect(listAppFiles(t.dir)).toEqual([
      "dist/main.js",
      "dist/main.js.map",
      "dist/sub/b.js",
      "package.json",
    ]);
  });

  it("says how to build the app when dist/main.js is missing", () => {
    writeFileSync(join(t.dir, "package.json"), "{}");
    expect(() => listAppFiles(t.dir)).toThrow(
      `${join(t.dir, "dist", "main.js")} does not exist: build the app first (\`npm run build -w @steady/hello\``,
    );
  });

  it("refuses a directory without package.json", () => {
    expect(() => listAppFiles(t.dir)).toThrow(
      `${join(t.dir, "package.json")} does not exist: --app must name an app directory such as apps/hello`,
    );
  });

  it("refuses a symlink in dist/", () => {
    mkdirSync(join(t.dir, "dist"));
    writeFileSync(join(t.dir, "package.json"), "{}");
    writeFileSync(join(t.dir, "dist", "main.js"), "x");
    symlinkSync("/etc/passwd", join(t.dir, "dist", "link.js"));
    expect(() => listAppFiles(t.dir)).toThrow(
      `${join(t.dir, "dist", "link.js")} is neither a regular file nor a directory`,
    );
  });
});

describe("writeRootfs", () => {
  it("writes every entry with its exact mode and one fixed time, the root directory included", () => {
    const t = tempDir();
    try {
      const src = join(t.dir, "node");
      writeFileSync(src, "binary");
      const rootfs = join(t.dir, "rootfs");
      mkdirSync(rootfs);
      const plan = planRootfs({ appDir: t.dir, appFiles: [], nodeBinary: src, libraries: [] });
      const bytes = writeRootfs(rootfs, plan, { sourceDateEpoch: 1234, chownToRoot: false });
      expect(readFileSync(join(rootfs, "usr/local/bin/node"), "utf8")).toBe("binary");
      const etc = plan.filter((e) => e.type === "generated");
      expect(bytes).toBe(
        6 + etc.reduce((n, e) => n + Buffer.byteLength(e.type === "generated" ? e.content : ""), 0),
      );
      for (const entry of plan) {
        const stat = lstatSync(join(rootfs, entry.path));
        expect([entry.path, stat.mode & 0o7777, stat.mtimeMs]).toEqual([
          entry.path,
          entry.mode,
          1234000,
        ]);
      }
      expect(lstatSync(rootfs).mtimeMs).toBe(1234000);
    } finally {
      t.cleanup();
    }
  });
});
