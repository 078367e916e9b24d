import {
  NODE_COMPONENTS,
  NODE_PORT_NAMES,
  REAL_NODE_MODES,
  type NodeComponentName,
  type NodePorts,
  type RealNodeMode,
} from "./spec";
import type { SysctlChange } from "./sysctl";
import type { LaunchedProcess } from "../host/processes";

/**
 * The real node in state.json: everything `up --real-node` started or changed on this machine,
 * written before each change is made, so `down` (or the next `up`, after a crash) can undo
 * exactly that.
 */
export interface RealNodeState {
  readonly mode: RealNodeMode;
  /** Which real node of `up --real-nodes N` (absent: node 1, the only one before N existed). */
  readonly index?: number;
  readonly nodeName: string;
  readonly nodeIp: string;
  readonly podCidr: string;
  /** The Linux bridge of the pods (made by `up`, deleted by `down`). */
  readonly bridge: string;
  readonly cniNetwork: string;
  /** The kubelet's cgroup root, in every cgroup hierarchy. */
  readonly cgroupRoot: string;
  readonly snapshotter: "overlayfs" | "native";
  readonly ports: NodePorts;
  /** Filled in as each process starts. */
  readonly processes: Partial<Record<NodeComponentName, LaunchedProcess>>;
  /** Kernel settings `up` changed (restored by `down` if nobody changed them since). */
  readonly sysctls: readonly SysctlChange[];
  /** Directories outside the data directory that did not exist before `up`. */
  readonly createdHostDirs: readonly string[];
  /** Node chains (<family>/<table>/<chain>) that existed before `up`: never removed. */
  readonly preexistingChains: readonly string[];
  /** nftables tables that existed before `up` ("ip nat"). */
  readonly nftTablesBefore: readonly string[];
  /** Once the node was Ready: the node's chains and the mounts under the data directory. */
  readonly observed?: {
    readonly at: string;
    readonly chains: readonly string[];
    readonly mounts: readonly string[];
  };
  readonly startedAt: string;
  /** When the Node turned Ready (absent while starting). */
  readonly readyAt?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === "string");

/** Validates the realNode field of state.json; `bad` throws naming the field. */
export function parseRealNodeState(json: unknown, bad: (what: string) => never): RealNodeState {
  if (!isRecord(json)) return bad("realNode is not an object");
  if (!REAL_NODE_MODES.includes(json.mode as RealNodeMode)) {
    bad(`realNode.mode must be one of ${REAL_NODE_MODES.join(", ")}`);
  }
  if (json.index !== undefined && !(Number.isInteger(json.index) && (json.index as number) >= 1)) {
    bad("realNode.index must be a whole number from 1");
  }
  for (const key of [
    "nodeName",
    "nodeIp",
    "podCidr",
    "bridge",
    "cniNetwork",
    "cgroupRoot",
    "startedAt",
  ]) {
    if (typeof json[key] !== "string" || json[key] === "") bad(`realNode.${key} missing`);
  }
  if (json.snapshotter !== "overlayfs" && json.snapshotter !== "native") {
    bad("realNode.snapshotter must be overlayfs or native");
  }
  const ports = json.ports;
  if (!isRecord(ports)) return bad("realNode.ports missing");
  for (const p of NODE_PORT_NAMES) {
    if (!Number.isInteger(ports[p])) bad(`realNode.ports.${p} missing`);
  }
  const processes = json.processes;
  if (!isRecord(processes)) return bad("realNode.processes missing");
  for (const [name, c] of Object.entries(processes)) {
    if (!(NODE_COMPONENTS as readonly string[]).includes(name)) {
      bad(`unknown realNode process ${name}`);
    }
    if (!isRecord(c)) return bad(`realNode.processes.${name} is not an object`);
    if (!Number.isInteger(c.pid) || (c.pid as number) <= 0) bad(`realNode.processes.${name}.pid`);
    if (!isStringArray(c.argv)) bad(`realNode.processes.${name}.argv`);
    if (!Number.isInteger(c.port)) bad(`realNode.processes.${name}.port`);
    if (typeof c.log !== "string") bad(`realNode.processes.${name}.log`);
    if (typeof c.startedAt !== "string") bad(`realNode.processes.${name}.startedAt`);
  }
  if (
    !Array.isArray(json.sysctls) ||
    !json.sysctls.every(
      (s) =>
        isRecord(s) &&
        typeof s.key === "string" &&
        typeof s.before === "string" &&
        typeof s.after === "string",
    )
  ) {
    bad("realNode.sysctls must be a list of {key, before, after}");
  }
  for (const key of ["createdHostDirs", "preexistingChains", "nftTablesBefore"]) {
    if (!isStringArray(json[key])) bad(`realNode.${key} must be a list of strings`);
  }
  return json as unknown as RealNodeState;
}
