import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Root of the sysctl tree (tests use a temporary directory instead). */
export const PROC_SYS = "/proc/sys";

/** A kernel setting the real node needs, and why. */
export interface KernelSetting {
  /** Dotted name, as `sysctl` prints it: "net.ipv4.ip_forward". */
  readonly key: string;
  readonly value: string;
  readonly why: string;
  /** Skipped (and reported) when the kernel does not have it, instead of failing. */
  readonly optional?: boolean;
}

/**
 * What `up --real-node` sets. The kubelet runs with protectKernelDefaults, so instead of changing
 * its tunables behind our back it refuses to start when they differ: they are set (and recorded,
 * and restored by `down`) here.
 */
export const REAL_NODE_KERNEL_SETTINGS: readonly KernelSetting[] = [
  {
    key: "net.ipv4.ip_forward",
    value: "1",
    why: "pods reach addresses beyond their bridge (the CNI bridge plugin would set it too)",
  },
  {
    key: "net.bridge.bridge-nf-call-iptables",
    value: "1",
    why: "Service traffic between pods on the same bridge passes kube-proxy's iptables rules",
    optional: true,
  },
  { key: "vm.overcommit_memory", value: "1", why: "required by the kubelet" },
  { key: "vm.panic_on_oom", value: "0", why: "required by the kubelet" },
  { key: "kernel.panic", value: "10", why: "required by the kubelet" },
  { key: "kernel.panic_on_oops", value: "1", why: "required by the kubelet" },
  { key: "kernel.keys.root_maxkeys", value: "1000000", why: "required by the kubelet" },
  { key: "kernel.keys.root_maxbytes", value: "25000000", why: "required by the kubelet" },
];

/** A setting `up` changed: restored by `down` when it still has the value `up` gave it. */
export interface SysctlChange {
  readonly key: string;
  readonly before: string;
  readonly after: string;
}

export const sysctlFile = (key: string, root = PROC_SYS) => join(root, ...key.split("."));

/** The current value (trimmed), or undefined when the kernel has no such setting. */
export function readSysctl(key: string, root = PROC_SYS): string | undefined {
  try {
    return readFileSync(sysctlFile(key, root), "utf8").trim();
  } catch {
    return undefined;
  }
}

/** Which settings differ from what is wanted, and which optional ones the kernel lacks. */
export function planKernelSettings(
  settings: readonly KernelSetting[],
  read: (key: string) => string | undefined,
): { change: { setting: KernelSetting; before: string }[]; absent: KernelSetting[] } {
  const change: { setting: KernelSetting; before: string }[] = [];
  const absent: KernelSetting[] = [];
  for (const setting of settings) {
    const current = read(setting.key);
    if (current === undefined) absent.push(setting);
    else if (current !== setting.value) change.push({ setting, before: current });
  }
  return { change, absent };
}

/**
 * Sets every setting that differs and returns what changed. A required setting the kernel lacks,
 * or one that does not take the value, throws (naming it) after undoing the changes made so far,
 * so nothing is half-applied.
 */
export function applyKernelSettings(
  settings: readonly KernelSetting[],
  root = PROC_SYS,
  write: (file: string, data: string) => void = writeFileSync,
): { changes: SysctlChange[]; absent: KernelSetting[] } {
  const plan = planKernelSettings(settings, (k) => readSysctl(k, root));
  const missingRequired = plan.absent.filter((s) => !s.optional);
  if (missingRequired.length) {
    throw new Error(
      `this kernel has no ${missingRequired.map((s) => s.key).join(", ")} ` +
        `(${missingRequired.map((s) => s.why).join("; ")})`,
    );
  }
  const changes: SysctlChange[] = [];
  try {
    for (const { setting, before } of plan.change) {
      try {
        write(sysctlFile(setting.key, root), `${setting.value}\n`);
      } catch (e) {
        throw new Error(`cannot set ${setting.key}=${setting.value}: ${(e as Error).message}`);
      }
      const now = readSysctl(setting.key, root);
      changes.push({ key: setting.key, before, after: setting.value });
      if (now !== setting.value) {
        throw new Error(`${setting.key} is ${now} after setting it to ${setting.value}`);
      }
    }
  } catch (e) {
    restoreKernelSettings(changes, root);
    throw e;
  }
  return { changes, absent: plan.absent };
}

/**
 * Puts changed settings back. One that has its old value already (after a reboot) needs
 * nothing; one someone changed again since `up` is left alone and reported: the value is theirs.
 */
export function restoreKernelSettings(
  changes: readonly SysctlChange[],
  root = PROC_SYS,
): { restored: SysctlChange[]; leftAlone: { change: SysctlChange; current?: string }[] } {
  const restored: SysctlChange[] = [];
  const leftAlone: { change: SysctlChange; current?: string }[] = [];
  for (const change of [...changes].reverse()) {
    const current = readSysctl(change.key, root);
    if (current === change.before) continue;
    if (current !== change.after || !existsSync(sysctlFile(change.key, root))) {
      leftAlone.push({ change, current });
      continue;
    }
    try {
      writeFileSync(sysctlFile(change.key, root), `${change.before}\n`);
      restored.push(change);
    } catch {
      leftAlone.push({ change, current });
    }
  }
  return { restored, leftAlone };
}
