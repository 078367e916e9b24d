import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import {
  applyKernelSettings,
  planKernelSettings,
  readSysctl,
  REAL_NODE_KERNEL_SETTINGS,
  restoreKernelSettings,
  sysctlFile,
  type KernelSetting,
} from "../src/real-node/sysctl";
import { useTempDir } from "./helpers";

const settings: KernelSetting[] = [
  { key: "net.ipv4.ip_forward", value: "1", why: "forwarding" },
  { key: "net.bridge.bridge-nf-call-iptables", value: "1", why: "bridge", optional: true },
  { key: "kernel.panic", value: "10", why: "kubelet" },
];

describe("kernel settings", () => {
  const t = useTempDir();
  const set = (key: string, value: string) => {
    mkdirSync(dirname(sysctlFile(key, t.dir)), { recursive: true });
    writeFileSync(sysctlFile(key, t.dir), `${value}\n`);
  };

  it("maps dotted names to /proc/sys paths", () => {
    expect(sysctlFile("net.ipv4.ip_forward")).toBe("/proc/sys/net/ipv4/ip_forward");
  });

  it("the kubelet's tunables are all there, so protectKernelDefaults never stops it", () => {
    expect(REAL_NODE_KERNEL_SETTINGS.map((s) => `${s.key}=${s.value}`)).toEqual(
      expect.arrayContaining([
        "vm.overcommit_memory=1",
        "vm.panic_on_oom=0",
        "kernel.panic=10",
        "kernel.panic_on_oops=1",
        "kernel.keys.root_maxkeys=1000000",
        "kernel.keys.root_maxbytes=25000000",
        "net.ipv4.ip_forward=1",
      ]),
    );
  });

  it("plans only what differs, and lists settings the kernel lacks", () => {
    const values: Record<string, string> = { "net.ipv4.ip_forward": "1", "kernel.panic": "0" };
    const plan = planKernelSettings(settings, (k) => values[k]);
    expect(plan.change).toEqual([{ setting: settings[2], before: "0" }]);
    expect(plan.absent).toEqual([settings[1]]);
  });

  it("applies, records before and after, skips an absent optional one, and restores", () => {
    set("net.ipv4.ip_forward", "0");
    set("kernel.panic", "1");
    const r = applyKernelSettings(settings, t.dir);
    expect(r.changes).toEqual([
      { key: "net.ipv4.ip_forward", before: "0", after: "1" },
      { key: "kernel.panic", before: "1", after: "10" },
    ]);
    expect(r.absent.map((s) => s.key)).toEqual(["net.bridge.bridge-nf-call-iptables"]);
    expect(readSysctl("kernel.panic", t.dir)).toBe("10");

    // Someone changes one of them again after `up`: `down` leaves that one alone.
    set("kernel.panic", "5");
    const back = restoreKernelSettings(r.changes, t.dir);
    expect(back.restored.map((c) => c.key)).toEqual(["net.ipv4.ip_forward"]);
    expect(back.leftAlone).toEqual([{ change: r.changes[1], current: "5" }]);
    expect(readSysctl("net.ipv4.ip_forward", t.dir)).toBe("0");
    expect(readSysctl("kernel.panic", t.dir)).toBe("5");

    // After a reboot the kernel has its old values again: nothing to do, nothing to report.
    set("kernel.panic", "1");
    expect(restoreKernelSettings(r.changes, t.dir)).toEqual({ restored: [], leftAlone: [] });
  });

  it("a required setting the kernel lacks fails before anything is changed", () => {
    set("net.ipv4.ip_forward", "0");
    expect(() => applyKernelSettings(settings, t.dir)).toThrow(
      "this kernel has no kernel.panic (kubelet)",
    );
    expect(readSysctl("net.ipv4.ip_forward", t.dir)).toBe("0");
  });

  it("a setting that cannot be written undoes the ones already changed", () => {
    set("net.ipv4.ip_forward", "0");
    set("kernel.panic", "1");
    const write = (file: string, data: string) => {
      if (file.endsWith("panic")) throw new Error("EPERM: operation not permitted");
      writeFileSync(file, data);
    };
    expect(() => applyKernelSettings(settings, t.dir, write)).toThrow(
      "cannot set kernel.panic=10: EPERM: operation not permitted",
    );
    expect(readSysctl("net.ipv4.ip_forward", t.dir)).toBe("0");
    expect(readSysctl("kernel.panic", t.dir)).toBe("1");
  });
});
