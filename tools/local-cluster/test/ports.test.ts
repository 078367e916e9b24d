import { createServer, type Server } from "node:net";
import { allocatePorts, freePort, isPortFree, PORT_NAMES, type PortProbe } from "../src/host/ports";

function listen(port = 0): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(port, "127.0.0.1", () => resolve(s));
  });
}
const close = (s: Server) => new Promise<void>((r) => s.close(() => r()));

/** A probe over a set of taken ports, handing out fresh ports from a counter. */
function fakeProbe(taken: number[], fresh: number[]): PortProbe {
  const queue = [...fresh];
  return {
    isPortFree: async (p) => !taken.includes(p),
    freePort: async () => {
      const p = queue.shift();
      if (p === undefined) throw new Error("out of fresh ports");
      return p;
    },
  };
}

describe("freePort / isPortFree (real sockets)", () => {
  it("finds a port that can be bound, and sees a bound port as taken", async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await isPortFree(port)).toBe(true);
    const server = await listen(port);
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await close(server);
    }
    expect(await isPortFree(port)).toBe(true);
  });
});

describe("allocatePorts", () => {
  it("gives every component a distinct port when nothing is remembered", async () => {
    const { ports, changes } = await allocatePorts(undefined);
    const values = PORT_NAMES.map((n) => ports[n]);
    expect(new Set(values).size).toBe(PORT_NAMES.length);
    expect(changes).toEqual([]);
  });

  it("keeps remembered ports that are still free", async () => {
    const remembered = {
      etcdClient: 1001,
      etcdPeer: 1002,
      apiServer: 1003,
      controllerManager: 1004,
      scheduler: 1005,
      kwok: 1006,
    };
    const { ports, changes } = await allocatePorts(remembered, fakeProbe([], []));
    expect(ports).toEqual(remembered);
    expect(changes).toEqual([]);
  });

  it("replaces a taken remembered port and reports it", async () => {
    const remembered = {
      etcdClient: 1001,
      etcdPeer: 1002,
      apiServer: 1003,
      controllerManager: 1004,
      scheduler: 1005,
      kwok: 1006,
    };
    const { ports, changes } = await allocatePorts(remembered, fakeProbe([1003], [2000]));
    expect(ports.apiServer).toBe(2000);
    expect(ports.etcdClient).toBe(1001);
    expect(changes).toEqual([{ name: "apiServer", from: 1003, to: 2000 }]);
  });

  it("never hands out the same port twice, even when the kernel repeats one", async () => {
    const remembered = { etcdClient: 1001 };
    // The fresh sequence repeats 1001 (kept for etcd) and 3000.
    const probe = fakeProbe([], [1001, 3000, 3000, 3001, 3002, 3003, 3004]);
    const { ports } = await allocatePorts(remembered, probe);
    const values = PORT_NAMES.map((n) => ports[n]);
    expect(new Set(values).size).toBe(values.length);
    expect(ports.etcdClient).toBe(1001);
  });

  it("a remembered port used twice is kept once and replaced once", async () => {
    const { ports, changes } = await allocatePorts(
      { etcdClient: 1001, etcdPeer: 1001 },
      fakeProbe([], [4000, 4001, 4002, 4003, 4004]),
    );
    expect(ports.etcdClient).toBe(1001);
    expect(ports.etcdPeer).not.toBe(1001);
    expect(changes).toEqual([{ name: "etcdPeer", from: 1001, to: ports.etcdPeer }]);
  });
});
