import { join } from "node:path";
import { exportLine, main, shellQuote } from "../src/cli";
import { findRepoRoot, resolveDataDir } from "../src/paths";
import { useTempDir } from "./helpers";
import { captureOutput } from "@steady/testing";

describe("paths", () => {
  it("finds the repository root by its workspaces", () => {
    const root = findRepoRoot(__dirname)!;
    expect(require(join(root, "package.json")).workspaces).toBeDefined();
    expect(resolveDataDir({}, __dirname)).toBe(join(root, ".steady", "cluster"));
    expect(resolveDataDir({ STEADY_CLUSTER_DIR: "/tmp/x" }, __dirname)).toBe("/tmp/x");
  });
});

describe("steady-local CLI", () => {
  const t = useTempDir();

  it("quotes for the shell only when needed", () => {
    expect(shellQuote("/a/b.c")).toBe("/a/b.c");
    expect(shellQuote("/a b/it's")).toBe(`'/a b/it'\\''s'`);
    expect(exportLine("/d/kubeconfig")).toBe("export KUBECONFIG=/d/kubeconfig");
  });

  it("env prints the export line for the data directory", async () => {
    const c = captureOutput();
    try {
      expect(await main(["env", "--dir", t.dir])).toBe(0);
    } finally {
      c.restore();
    }
    expect(c.out.join("")).toBe(`export KUBECONFIG=${join(t.dir, "kubeconfig")}\n`);
    expect(c.err.join("")).toMatch(/does not exist yet/);
  });

  it("status exits 3 when the cluster was never started; --json is machine-readable", async () => {
    const c = captureOutput();
    try {
      expect(await main(["status", "--dir", t.dir])).toBe(3);
      expect(await main(["status", "--json", "--dir", t.dir])).toBe(3);
    } finally {
      c.restore();
    }
    expect(c.out[0]).toMatch(/^Not started/);
    expect(JSON.parse(c.out[1]!)).toMatchObject({ started: false, healthy: false });
  });

  it("down with nothing running says so and succeeds", async () => {
    const c = captureOutput();
    try {
      expect(await main(["down", "--dir", t.dir])).toBe(0);
    } finally {
      c.restore();
    }
    expect(c.out[0]).toBe(`Nothing running in ${t.dir}.\n`);
  });

  it("takes --real-node or --real-node-only with up only, and not both", async () => {
    const c = captureOutput();
    try {
      expect(await main(["down", "--real-node", "--dir", t.dir])).toBe(2);
      expect(await main(["up", "--real-node", "--real-node-only", "--dir", t.dir])).toBe(2);
    } finally {
      c.restore();
    }
    expect(c.err[0]).toMatch(/^--real-node and --real-node-only go with `up`, not `down`/);
    expect(c.err[1]).toMatch(/^use either --real-node \(beside kwok\) or --real-node-only/);
  });

  it("takes --real-nodes 1 or 2, and only with --real-node or --real-node-only", async () => {
    const c = captureOutput();
    try {
      expect(await main(["up", "--real-node", "--real-nodes", "3", "--dir", t.dir])).toBe(2);
      expect(await main(["up", "--real-node", "--real-nodes", "x", "--dir", t.dir])).toBe(2);
      expect(await main(["up", "--real-nodes", "2", "--dir", t.dir])).toBe(2);
    } finally {
      c.restore();
    }
    expect(c.err[0]).toMatch(/^--real-nodes 3: give a whole number from 1 to 2/);
    expect(c.err[1]).toMatch(/^--real-nodes x: give a whole number from 1 to 2/);
    expect(c.err[2]).toMatch(/^--real-nodes goes with --real-node or --real-node-only/);
  });

  it("rejects unknown commands and options with usage, exit 2", async () => {
    const c = captureOutput();
    try {
      expect(await main(["launch"])).toBe(2);
      expect(await main(["up", "--frobnicate"])).toBe(2);
      expect(await main([])).toBe(2);
      expect(await main(["--help"])).toBe(0);
    } finally {
      c.restore();
    }
    expect(c.err.join("")).toMatch(/unknown command: launch/);
    expect(c.out.join("")).toMatch(/^Usage: steady-local/);
  });
});
