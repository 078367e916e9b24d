import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  cgroupHierarchies,
  cgroupProcesses,
  createCgroupRoot,
  removeCgroupRoot,
  type CgroupHierarchy,
} from "../src/real-node/cgroups";
import { parseMountinfo } from "../src/real-node/mounts";
import { useTempDir } from "./helpers";

describe("cgroup hierarchies", () => {
  it("finds v1 hierarchies with their controllers and the v2 one, once per mount point", () => {
    const mounts = parseMountinfo(
      [
        "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
        "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
        "34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset",
        "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
        "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw,nsdelegate",
        "42 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu",
      ].join("\n"),
    );
    expect(cgroupHierarchies(mounts)).toEqual([
      { mountPoint: "/sys/fs/cgroup/cpu", version: 1, controllers: ["cpu"] },
      { mountPoint: "/sys/fs/cgroup/cpuset", version: 1, controllers: ["cpuset"] },
      { mountPoint: "/sys/fs/cgroup/systemd", version: 1, controllers: ["name=systemd"] },
      { mountPoint: "/sys/fs/cgroup/unified", version: 2, controllers: [] },
    ]);
  });
});

describe("the node's cgroup root (on directories standing in for cgroupfs)", () => {
  const t = useTempDir();

  it("is created in every hierarchy; a cpuset gets its parent's CPUs and memory nodes", () => {
    const memory: CgroupHierarchy = {
      mountPoint: join(t.dir, "memory"),
      version: 1,
      controllers: ["memory"],
    };
    const cpuset: CgroupHierarchy = {
      mountPoint: join(t.dir, "cpuset"),
      version: 1,
      controllers: ["cpuset"],
    };
    mkdirSync(memory.mountPoint);
    mkdirSync(join(cpuset.mountPoint, "steady-real-node"), { recursive: true });
    writeFileSync(join(cpuset.mountPoint, "cpuset.cpus"), "0-1\n");
    writeFileSync(join(cpuset.mountPoint, "cpuset.mems"), "0\n");
    // cgroupfs creates these files empty in a new cgroup.
    writeFileSync(join(cpuset.mountPoint, "steady-real-node", "cpuset.cpus"), "");
    writeFileSync(join(cpuset.mountPoint, "steady-real-node", "cpuset.mems"), "");

    const created = createCgroupRoot([memory, cpuset], "/steady-real-node");
    expect(created).toEqual([join(memory.mountPoint, "steady-real-node")]);
    expect(readFileSync(join(cpuset.mountPoint, "steady-real-node", "cpuset.cpus"), "utf8")).toBe(
      "0-1\n",
    );
    expect(readFileSync(join(cpuset.mountPoint, "steady-real-node", "cpuset.mems"), "utf8")).toBe(
      "0\n",
    );
  });

  it("lists the processes below it and removes it deepest first", () => {
    const h: CgroupHierarchy = {
      mountPoint: join(t.dir, "pids"),
      version: 1,
      controllers: ["pids"],
    };
    const pod = join(h.mountPoint, "steady-real-node", "kubepods", "besteffort", "pod1");
    mkdirSync(join(pod, "c1"), { recursive: true });
    mkdirSync(join(pod, "c2"));
    writeFileSync(join(pod, "c1", "cgroup.procs"), "41\n42\n");
    writeFileSync(join(pod, "c2", "cgroup.procs"), "7\n");
    writeFileSync(join(h.mountPoint, "cgroup.procs"), "1\n"); // outside the root: not ours
    expect(cgroupProcesses([h], "/steady-real-node")).toEqual([7, 41, 42]);

    // On cgroupfs a cgroup's files vanish with it; here the stand-in files block rmdir, which is
    // what a cgroup with processes does: it is reported, and the rest is removed.
    const r = removeCgroupRoot([h], "/steady-real-node");
    expect(r.failed.map((f) => f.slice(t.dir.length))).toEqual([
      "/pids/steady-real-node/kubepods/besteffort/pod1/c1: ENOTEMPTY",
      "/pids/steady-real-node/kubepods/besteffort/pod1/c2: ENOTEMPTY",
      "/pids/steady-real-node/kubepods/besteffort/pod1: ENOTEMPTY",
      "/pids/steady-real-node/kubepods/besteffort: ENOTEMPTY",
      "/pids/steady-real-node/kubepods: ENOTEMPTY",
      "/pids/steady-real-node: ENOTEMPTY",
    ]);
    expect(existsSync(pod)).toBe(true);
  });

  it("removes an empty tree completely", () => {
    const h: CgroupHierarchy = { mountPoint: join(t.dir, "cpu"), version: 1, controllers: ["cpu"] };
    mkdirSync(join(h.mountPoint, "steady-real-node", "kubepods", "burstable"), { recursive: true });
    const r = removeCgroupRoot([h], "/steady-real-node");
    expect(r.failed).toEqual([]);
    expect(r.removed).toHaveLength(3);
    expect(existsSync(join(h.mountPoint, "steady-real-node"))).toBe(false);
  });
});
