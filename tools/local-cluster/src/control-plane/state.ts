import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { COMPONENTS, type ComponentName } from "../paths";
import type { AuthMode } from "../pki/pki";
import { PORT_NAMES, type Ports } from "../host/ports";
import { parseRealNodeState, type RealNodeState } from "../real-node/state";
import type { LaunchedProcess } from "../host/processes";

/** <dataDir>/state.json: what `up` started, so `status` and `down` act on exactly that. */
export interface ClusterState {
  readonly version: 1;
  readonly dataDir: string;
  readonly auth: AuthMode;
  readonly ports: Ports;
  /** ISO time of the `up` that wrote this state. */
  readonly startedAt: string;
  /**
   * Each started control-plane process, filled in as it starts, so a crash mid-start leaves a
   * usable record.
   */
  readonly components: Partial<Record<ComponentName, LaunchedProcess>>;
  /** The real node (`up --real-node`), when there is one. */
  readonly realNode?: RealNodeState;
  /** Real nodes 2..N of `up --real-nodes N`, beside `realNode` (node 1); absent with one. */
  readonly extraRealNodes?: readonly RealNodeState[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Validates parsed JSON as a ClusterState; throws naming the first bad field. */
export function parseState(json: unknown, source = "state.json"): ClusterState {
  const bad = (what: string): never => {
    throw new Error(`${source}: ${what}; remove it or run \`steady-local down\``);
  };
  if (!isRecord(json)) return bad("not an object");
  if (json.version !== 1) bad(`unsupported version ${String(json.version)}`);
  if (typeof json.dataDir !== "string") bad("dataDir missing");
  if (json.auth !== "certs" && json.auth !== "token") bad("auth must be certs or token");
  if (typeof json.startedAt !== "string") bad("startedAt missing");
  const ports = json.ports;
  if (!isRecord(ports)) return bad("ports missing");
  for (const p of PORT_NAMES) {
    if (!Number.isInteger(ports[p])) bad(`ports.${p} missing`);
  }
  const components = json.components;
  if (!isRecord(components)) return bad("components missing");
  for (const [name, c] of Object.entries(components)) {
    if (!(COMPONENTS as readonly string[]).includes(name)) bad(`unknown component ${name}`);
    if (!isRecord(c)) return bad(`components.${name} is not an object`);
    if (!Number.isInteger(c.pid) || (c.pid as number) <= 0) bad(`components.${name}.pid`);
    if (!Array.isArray(c.argv) || !c.argv.every((a) => typeof a === "string")) {
      bad(`components.${name}.argv`);
    }
    if (!Number.isInteger(c.port)) bad(`components.${name}.port`);
    if (typeof c.log !== "string") bad(`components.${name}.log`);
    if (typeof c.startedAt !== "string") bad(`components.${name}.startedAt`);
  }
  if (json.realNode !== undefined) parseRealNodeState(json.realNode, bad);
  if (json.extraRealNodes !== undefined) {
    if (!Array.isArray(json.extraRealNodes)) bad("extraRealNodes must be a list");
    for (const n of json.extraRealNodes as unknown[]) parseRealNodeState(n, bad);
  }
  return json as unknown as ClusterState;
}

/** The state in `file`, or undefined when there is none. */
export function readState(file: string): ClusterState | undefined {
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not valid JSON (${(e as Error).message}); remove it`);
  }
  return parseState(json, file);
}

/** Writes the state atomically (a rename), so a reader never sees half a file. */
export function writeState(file: string, state: ClusterState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  renameSync(tmp, file);
}

export function removeState(file: string): void {
  rmSync(file, { force: true });
}

/** Ports remembered from an earlier start (ports.json), if readable. */
export function readRememberedPorts(file: string): Partial<Ports> | undefined {
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const out: Partial<Record<keyof Ports, number>> = {};
    for (const p of PORT_NAMES) {
      const v = json[p];
      if (typeof v === "number" && Number.isInteger(v) && v > 0 && v < 65536) out[p] = v;
    }
    return out;
  } catch {
    return undefined;
  }
}

export function writeRememberedPorts(file: string, ports: Ports): void {
  writeFileSync(file, JSON.stringify(ports, null, 2) + "\n", { mode: 0o644 });
}
