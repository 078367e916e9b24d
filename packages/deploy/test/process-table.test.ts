import { spawn } from "node:child_process";
import { parseCmdline, procTable } from "../src/process-table";

describe("the process table", () => {
  it("parses /proc cmdline format", () => {
    expect(parseCmdline("/bin/etcd\0--name=a\0--data-dir=/x y\0")).toEqual([
      "/bin/etcd",
      "--name=a",
      "--data-dir=/x y",
    ]);
    expect(parseCmdline("")).toEqual([]);
  });

  it("reads a live process's argv, and none once it exited or for a pid that does not run", async () => {
    expect(procTable.cmdline(process.pid)?.[0]).toBe(process.argv0);
    const child = spawn("/bin/sh", ["-c", "exit 0"], { stdio: "ignore" });
    child.unref();
    const pid = child.pid!;
    const deadline = Date.now() + 5000;
    while (procTable.cmdline(pid) !== undefined && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(procTable.cmdline(pid)).toBeUndefined();
    expect(procTable.cmdline(2 ** 22 + 11)).toBeUndefined();
    expect(procTable.kill(2 ** 22 + 11, "SIGTERM")).toBe(false);
  });
});
