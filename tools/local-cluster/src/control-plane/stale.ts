import { COMPONENTS, type ComponentName } from "../paths";
import { cmdlineMatches, type LaunchedProcess, type ProcessTable } from "../host/processes";
import { NODE_COMPONENTS, type NodeComponentName } from "../real-node/spec";
import type { ClusterState } from "./state";
import type { RealNodeState } from "../real-node/state";

/**
 * How a recorded component is doing:
 * - "running": its pid is alive with exactly the recorded command line;
 * - "dead": no process has that pid any more;
 * - "pid-reused": a different program has that pid now (not ours: never signalled);
 * - "not-started": state.json has no record of it (the start was interrupted before it).
 */
export type Liveness = "running" | "dead" | "pid-reused" | "not-started";

export interface ComponentCheck {
  /** A control-plane component, or a process of the real node. */
  readonly name: ComponentName | NodeComponentName;
  readonly liveness: Liveness;
  readonly record?: LaunchedProcess;
  /** The command line found at the pid, when it is someone else's. */
  readonly foreignCmdline?: readonly string[];
}

/** The control-plane components a state should have: all of them, but no kwok for a real-node-only cluster. */
export function expectedComponents(state: Pick<ClusterState, "realNode">): ComponentName[] {
  return COMPONENTS.filter((c) => c !== "kwok" || state.realNode?.mode !== "only");
}

/**
 * The liveness of every expected control-plane component, then of the real node's processes
 * (when the state has a real node), in start order.
 */
export function checkComponents(state: ClusterState, table: ProcessTable): ComponentCheck[] {
  const node = state.realNode;
  const expected: { name: ComponentName | NodeComponentName; record?: LaunchedProcess }[] = [
    ...expectedComponents(state).map((name) => ({ name, record: state.components[name] })),
    ...(node ? NODE_COMPONENTS.map((name) => ({ name, record: node.processes[name] })) : []),
  ];
  return expected.map(({ name, record }) => checkOne(name, record, table));
}

/** The liveness of one recorded process: running, dead, pid reused, or never started. */
function checkOne(
  name: ComponentName | NodeComponentName,
  record: LaunchedProcess | undefined,
  table: ProcessTable,
): ComponentCheck {
  if (!record) return { name, liveness: "not-started" };
  const actual = table.cmdline(record.pid);
  if (actual === undefined) return { name, liveness: "dead", record };
  if (!cmdlineMatches(actual, record.argv)) {
    return { name, liveness: "pid-reused", record, foreignCmdline: actual };
  }
  return { name, liveness: "running", record };
}

/**
 * The liveness of the processes of real node 2..N (containerd and kubelet: kube-proxy runs once,
 * with node 1). `up` does not restart the cluster for them; `status` reports them.
 */
export function checkNodeProcesses(node: RealNodeState, table: ProcessTable): ComponentCheck[] {
  const names = NODE_COMPONENTS.filter((n) => n !== "kube-proxy" || (node.index ?? 1) === 1);
  return names.map((name) => checkOne(name, node.processes[name], table));
}

/** What `up` should do with an existing state.json. */
export type Verdict =
  | { readonly kind: "running"; readonly checks: ComponentCheck[] }
  | {
      readonly kind: "stale";
      readonly checks: ComponentCheck[];
      /** Components that are not running (dead, pid reused, or never started). */
      readonly down: ComponentCheck[];
      /** Components still running: ours, to be stopped before starting again. */
      readonly survivors: ComponentCheck[];
    };

export function assess(state: ClusterState, table: ProcessTable): Verdict {
  const checks = checkComponents(state, table);
  const down = checks.filter((c) => c.liveness !== "running");
  if (down.length === 0) return { kind: "running", checks };
  return { kind: "stale", checks, down, survivors: checks.filter((c) => c.liveness === "running") };
}

/** Facts that date a component's death. */
export interface DeathClues {
  /** When the machine last booted. */
  readonly bootTime?: Date;
  /** When the component's log was last written. */
  readonly logModified?: Date;
}

/** One line saying which component is down, and since when as far as can be told. */
export function describeDown(check: ComponentCheck, clues: DeathClues = {}): string {
  const { name, record } = check;
  if (check.liveness === "not-started" || !record) {
    return `${name}: never started (the previous \`up\` stopped before it)`;
  }
  const started = new Date(record.startedAt);
  const parts = [`started ${record.startedAt}`];
  if (clues.bootTime && clues.bootTime > started) {
    parts.push(`the machine rebooted at ${clues.bootTime.toISOString()}`);
  } else if (clues.logModified) {
    parts.push(`last log output ${clues.logModified.toISOString()}`);
  }
  const what =
    check.liveness === "pid-reused"
      ? `pid ${record.pid} now belongs to another program (${(check.foreignCmdline ?? []).join(" ").slice(0, 80)})`
      : `pid ${record.pid} is gone`;
  return `${name}: not running — ${what}; ${parts.join(", ")}`;
}
