import {
  isUnder,
  mountsUnder,
  parseMountinfo,
  unmountAllUnder,
  type MountEntry,
} from "../src/real-node/mounts";

const MOUNTINFO = [
  "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard",
  "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
  "90 27 254:0 /d/node/kubelet /d/node/kubelet rw,relatime shared:1 - ext4 /dev/vda rw",
  "91 90 0:50 / /d/node/kubelet/pods/u1/volumes/kubernetes.io~projected/token rw - tmpfs tmpfs rw",
  "92 27 0:51 / /d/node/containerd/state/netns/cni-1 rw - nsfs nsfs rw",
  "93 27 0:52 / /d/node/containerd/state/task/k8s.io/abc/rootfs rw - overlay overlay rw,lowerdir=/x",
  "94 93 0:53 / /d/node/containerd/state/task/k8s.io/abc/rootfs rw - tmpfs tmpfs rw",
  "95 27 0:54 / /d2/node/other rw - tmpfs tmpfs rw",
  "96 27 0:55 / /d rw - tmpfs tmpfs rw",
  "97 27 0:56 / /d/with\\040space rw - tmpfs tmpfs rw",
  "garbage line",
].join("\n");

describe("mountinfo", () => {
  const entries = parseMountinfo(MOUNTINFO);

  it("parses mount points (unescaping \\040), file system types and super options", () => {
    expect(entries).toHaveLength(10);
    expect(entries[1]).toEqual({
      id: 35,
      parentId: 31,
      mountPoint: "/sys/fs/cgroup/memory",
      fsType: "cgroup",
      source: "cgroup",
      superOptions: "rw,memory",
    });
    expect(entries[2]!.fsType).toBe("ext4"); // optional fields ("shared:1") are skipped
    expect(entries[9]!.mountPoint).toBe("/d/with space");
  });

  it("lists mounts strictly below a directory, deepest first, the top of a stack first", () => {
    expect(mountsUnder(entries, "/d").map((m) => `${m.id} ${m.mountPoint}`)).toEqual([
      "94 /d/node/containerd/state/task/k8s.io/abc/rootfs",
      "93 /d/node/containerd/state/task/k8s.io/abc/rootfs",
      "91 /d/node/kubelet/pods/u1/volumes/kubernetes.io~projected/token",
      "92 /d/node/containerd/state/netns/cni-1",
      "90 /d/node/kubelet",
      "97 /d/with space",
    ]);
  });

  it("a sibling with the same prefix is not under", () => {
    expect(isUnder("/d2/node", "/d")).toBe(false);
    expect(isUnder("/d/x", "/d/")).toBe(true);
    expect(isUnder("/d", "/d")).toBe(true);
  });
});

describe("unmountAllUnder", () => {
  // A fake mount table: `true` (the command) always succeeds, so each mount it is run for is gone
  // from the next read, except one that stays no matter what.
  function fakeTable(stuck: string) {
    let table: MountEntry[] = parseMountinfo(MOUNTINFO);
    const rounds: string[][] = [];
    const read = () => {
      const now = table;
      rounds.push(mountsUnder(now, "/d").map((m) => m.mountPoint));
      table = now.filter((m) => m.mountPoint === stuck || !m.mountPoint.startsWith("/d/"));
      return now;
    };
    return { read, rounds };
  }

  it("unmounts everything below the directory, and reports a mount that never goes", () => {
    const stuck = "/d/node/kubelet";
    const t = fakeTable(stuck);
    const r = unmountAllUnder("/d", "/bin/true", t.read);
    expect(t.rounds[0]).toHaveLength(6);
    expect(r.unmounted).toEqual([
      "/d/node/containerd/state/task/k8s.io/abc/rootfs",
      "/d/node/containerd/state/task/k8s.io/abc/rootfs",
      "/d/node/kubelet/pods/u1/volumes/kubernetes.io~projected/token",
      "/d/node/containerd/state/netns/cni-1",
      "/d/with space",
    ]);
    expect(r.lazy).toEqual([]);
    expect(r.failed).toEqual([`${stuck}: still mounted`]);
    expect(t.rounds.length).toBe(5); // the initial read, then one after each of the 4 passes
  });

  it("reports umount's own message for a mount it cannot unmount", () => {
    const t = fakeTable("/d/node/kubelet");
    const r = unmountAllUnder("/d", "/bin/false", t.read);
    expect(r.unmounted).toHaveLength(5); // the fake table drops them anyway
    expect(r.failed).toEqual(["/d/node/kubelet: exit 1"]);
  });
});
