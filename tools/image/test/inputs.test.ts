import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { imageConfig } from "../src/config";
import { fileSha256, hashInputs, sha256Hex, type BuildInputs } from "../src/inputs";
import type { RootfsEntry } from "../src/plan";
import { tempDir } from "./helpers";

const entries: RootfsEntry[] = [
  { type: "dir", path: "/app", mode: 0o755 },
  { type: "file", path: "/app/main.js", mode: 0o644, source: "/build/a/main.js" },
  { type: "generated", path: "/etc/passwd", mode: 0o644, content: "root:x:0:0::/:/x\n" },
  { type: "file", path: "/usr/local/bin/node", mode: 0o755, source: "/usr/bin/node" },
];

function inputs(overrides: Partial<BuildInputs> = {}): BuildInputs {
  return {
    repository: "steady.local/hello",
    version: "1.0.0",
    config: imageConfig({
      name: "hello",
      version: "1.0.0",
      nodeVersion: "v20.0.0",
      arch: "x64",
      sourceDateEpoch: 0,
    }),
    umociVersion: "umoci version 0.4.7",
    entries,
    fileDigests: new Map([
      ["/app/main.js", "a".repeat(64)],
      ["/usr/local/bin/node", "b".repeat(64)],
    ]),
    ...overrides,
  };
}

describe("hashInputs", () => {
  const base = hashInputs(inputs());

  it("is a sha256 digest, the same for the same inputs", () => {
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(hashInputs(inputs())).toBe(base);
  });

  it("does not depend on the order of the entries or on where the sources are", () => {
    const moved = entries.map((e) =>
      e.type === "file" ? { ...e, source: `/elsewhere${e.source}` } : e,
    );
    expect(hashInputs(inputs({ entries: [...moved].reverse() }))).toBe(base);
  });

  const changes: [string, Partial<BuildInputs>][] = [
    [
      "a file's content",
      {
        fileDigests: new Map([
          ["/app/main.js", "c".repeat(64)],
          ["/usr/local/bin/node", "b".repeat(64)],
        ]),
      },
    ],
    ["a mode", { entries: entries.map((e) => (e.path === "/app" ? { ...e, mode: 0o700 } : e)) }],
    [
      "a generated file",
      { entries: entries.map((e) => (e.type === "generated" ? { ...e, content: "x" } : e)) },
    ],
    [
      "a path",
      {
        entries: entries.map((e) =>
          e.path === "/app/main.js" ? { ...e, path: "/app/index.js" } : e,
        ),
        fileDigests: new Map([
          ["/app/index.js", "a".repeat(64)],
          ["/usr/local/bin/node", "b".repeat(64)],
        ]),
      },
    ],
    ["an added entry", { entries: [...entries, { type: "dir", path: "/tmp", mode: 0o1777 }] }],
    ["the version", { version: "1.0.1" }],
    ["the repository", { repository: "steady.local/other" }],
    ["umoci", { umociVersion: "umoci version 0.4.8" }],
    [
      "the source date",
      {
        config: imageConfig({
          name: "hello",
          version: "1.0.0",
          nodeVersion: "v20.0.0",
          arch: "x64",
          sourceDateEpoch: 1,
        }),
      },
    ],
    [
      "a label",
      {
        config: imageConfig({
          name: "hello",
          version: "1.0.0",
          nodeVersion: "v20.1.0",
          arch: "x64",
          sourceDateEpoch: 0,
        }),
      },
    ],
    [
      "the platform",
      {
        config: imageConfig({
          name: "hello",
          version: "1.0.0",
          nodeVersion: "v20.0.0",
          arch: "arm64",
          sourceDateEpoch: 0,
        }),
      },
    ],
  ];
  it.each(changes)("changes when %s changes", (_, change) => {
    expect(hashInputs(inputs(change))).not.toBe(base);
  });

  it("refuses a copied file without a content digest", () => {
    expect(() => hashInputs(inputs({ fileDigests: new Map() }))).toThrow(
      "no content digest for /app/main.js (/build/a/main.js)",
    );
  });
});

describe("fileSha256", () => {
  it("hashes a file's content like sha256Hex hashes the same bytes", async () => {
    const t = tempDir();
    try {
      const file = join(t.dir, "f");
      writeFileSync(file, "hello\n");
      expect(await fileSha256(file)).toBe(sha256Hex("hello\n"));
      expect(sha256Hex("hello\n")).toBe(
        "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
      );
    } finally {
      t.cleanup();
    }
  });
});
