import { createServer } from "node:net";

/** Every component listens on this address only. */
export const HOST = "127.0.0.1";

/** The TCP ports the cluster listens on. */
export interface Ports {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiServer: number;
  readonly controllerManager: number;
  readonly scheduler: number;
  readonly kwok: number;
}
export type PortName = keyof Ports;
export const PORT_NAMES: readonly PortName[] = [
  "etcdClient",
  "etcdPeer",
  "apiServer",
  "controllerManager",
  "scheduler",
  "kwok",
];

/** Whether `port` can be bound on `host` right now. */
export function isPortFree(port: number, host = HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the kernel picks as free (by binding port 0), released again before returning. */
export function freePort(host = HOST): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** A remembered port that was taken, and the one picked instead. */
export interface PortChange {
  readonly name: PortName;
  readonly from: number;
  readonly to: number;
}

export interface PortProbe {
  isPortFree(port: number): Promise<boolean>;
  freePort(): Promise<number>;
}
const realProbe: PortProbe = { isPortFree: (p) => isPortFree(p), freePort: () => freePort() };

/**
 * Ports for every component: the remembered ones when still free, else fresh ones from the
 * kernel (distinct from each other and from the ones kept). Reports every remembered port it
 * had to replace.
 */
export async function allocatePorts(
  remembered: Partial<Ports> | undefined,
  probe: PortProbe = realProbe,
): Promise<{ ports: Ports; changes: PortChange[] }> {
  const result: Partial<Record<PortName, number>> = {};
  const used = new Set<number>();
  const changes: PortChange[] = [];
  const needFresh: PortName[] = [];
  for (const name of PORT_NAMES) {
    const want = remembered?.[name];
    if (want && !used.has(want) && (await probe.isPortFree(want))) {
      result[name] = want;
      used.add(want);
    } else {
      needFresh.push(name);
    }
  }
  for (const name of needFresh) {
    let port = await probe.freePort();
    // The kernel may hand the same ephemeral port out twice once it was released again.
    for (let tries = 0; used.has(port) && tries < 20; tries++) port = await probe.freePort();
    if (used.has(port)) throw new Error(`could not find a free port for ${name}`);
    used.add(port);
    result[name] = port;
    const before = remembered?.[name];
    if (before) changes.push({ name, from: before, to: port });
  }
  return { ports: result as Ports, changes };
}
