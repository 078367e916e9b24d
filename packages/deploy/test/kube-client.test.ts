import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeApiError, KubeClient, withQuery, type WatchEvent } from "../src/kube-client";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function serve(handler: Handler): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

const pod = (name: string, rv: string) => ({
  kind: "Pod",
  metadata: { name, resourceVersion: rv },
});

describe("KubeClient requests", () => {
  it("sends JSON bodies with the right content type and returns parsed JSON", async () => {
    const seen: { method?: string; url?: string; type?: string; body: string; auth?: string }[] =
      [];
    const s = await serve((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({
          method: req.method,
          url: req.url,
          type: req.headers["content-type"],
          body,
          auth: req.headers.authorization,
        });
        json(res, 201, { ok: true });
      });
    });
    const client = new KubeClient({ server: s.url, token: "t0k" });
    try {
      expect(
        await client.request("POST", "/api/v1/namespaces", { metadata: { name: "x" } }),
      ).toEqual({ ok: true });
      await client.request("PATCH", "/api/v1/nodes/n", { metadata: { labels: { a: "b" } } });
      await client.request("PATCH", "/api/v1/nodes/n", [{ op: "remove", path: "/x" }], {
        contentType: "application/json-patch+json",
      });
    } finally {
      client.close();
      await s.close();
    }
    expect(seen.map((r) => [r.method, r.type])).toEqual([
      ["POST", "application/json"],
      ["PATCH", "application/merge-patch+json"],
      ["PATCH", "application/json-patch+json"],
    ]);
    expect(seen[0]!.auth).toBe("Bearer t0k");
    expect(JSON.parse(seen[0]!.body)).toEqual({ metadata: { name: "x" } });
  });

  it("turns a Status answer into a KubeApiError", async () => {
    const s = await serve((_req, res) =>
      json(res, 404, {
        kind: "Status",
        reason: "NotFound",
        message: 'pods "p" not found',
        code: 404,
      }),
    );
    const client = new KubeClient({ server: s.url });
    try {
      const err = await client.get("/api/v1/namespaces/default/pods/p").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KubeApiError);
      expect(err).toMatchObject({ statusCode: 404, reason: "NotFound" });
      expect((err as Error).message).toBe(
        'GET /api/v1/namespaces/default/pods/p: 404 NotFound: pods "p" not found',
      );
    } finally {
      client.close();
      await s.close();
    }
  });

  it("lists across pages", async () => {
    const s = await serve((req, res) => {
      const token = new URL(req.url!, "http://x").searchParams.get("continue");
      if (!token)
        json(res, 200, {
          kind: "PodList",
          metadata: { resourceVersion: "5", continue: "p2" },
          items: [pod("a", "1")],
        });
      else
        json(res, 200, {
          kind: "PodList",
          metadata: { resourceVersion: "5" },
          items: [pod("b", "2")],
        });
    });
    const client = new KubeClient({ server: s.url });
    try {
      const list = await client.list("/api/v1/pods?limit=1");
      expect(list.items.map((p) => p.metadata?.name)).toEqual(["a", "b"]);
      expect(list.metadata).toEqual({ resourceVersion: "5" });
    } finally {
      client.close();
      await s.close();
    }
  });

  it("adds query parameters to paths that have some", () => {
    expect(withQuery("/api/v1/pods?labelSelector=a%3Db", { watch: "1" })).toBe(
      "/api/v1/pods?labelSelector=a%3Db&watch=1",
    );
  });
});

describe("KubeClient.watch", () => {
  it("streams events split across chunks, resumes from the last version, skips bookmarks", async () => {
    const requests: URLSearchParams[] = [];
    const s = await serve((req, res) => {
      const q = new URL(req.url!, "http://x").searchParams;
      requests.push(q);
      res.writeHead(200, { "Content-Type": "application/json" });
      if (requests.length === 1) {
        const line = JSON.stringify({ type: "ADDED", object: pod("a", "10") }) + "\n";
        res.write(line.slice(0, 7));
        setTimeout(() => {
          res.write(line.slice(7));
          res.write(
            JSON.stringify({
              type: "BOOKMARK",
              object: { kind: "Pod", metadata: { resourceVersion: "12" } },
            }) + "\n",
          );
          res.end(); // the server ends the stream: the client reconnects from "12"
        }, 20);
      } else {
        res.write(JSON.stringify({ type: "MODIFIED", object: pod("a", "13") }) + "\n");
      }
    });
    const client = new KubeClient({ server: s.url });
    const events: WatchEvent[] = [];
    const abort = new AbortController();
    try {
      const result = await client.watch(
        "/api/v1/namespaces/default/pods?labelSelector=app%3Dx",
        (e) => {
          events.push(e);
          if (events.length === 2) abort.abort();
        },
        { signal: abort.signal, resourceVersion: "9" },
      );
      expect(result.resourceVersion).toBe("13");
    } finally {
      client.close();
      await s.close();
    }
    expect(events.map((e) => [e.type, e.object.metadata?.resourceVersion])).toEqual([
      ["ADDED", "10"],
      ["MODIFIED", "13"],
    ]);
    expect(
      requests.map((q) => [q.get("watch"), q.get("resourceVersion"), q.get("labelSelector")]),
    ).toEqual([
      ["1", "9", "app=x"],
      ["1", "12", "app=x"],
    ]);
  });

  it("reconnects when a connection stays silent past the idle timeout", async () => {
    let requests = 0;
    const s = await serve((_req, res) => {
      requests++;
      res.writeHead(200, { "Content-Type": "application/json" });
      // The first connection is held open with nothing on it, as by a frozen server.
      if (requests > 1) res.write(JSON.stringify({ type: "ADDED", object: pod("a", "2") }) + "\n");
    });
    const client = new KubeClient({ server: s.url });
    const abort = new AbortController();
    const t0 = Date.now();
    try {
      await client.watch("/api/v1/pods", () => abort.abort(), {
        signal: abort.signal,
        idleTimeoutMs: 300,
      });
    } finally {
      client.close();
      await s.close();
    }
    expect(requests).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });

  it("rejects with 410 when the version is too old", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          type: "ERROR",
          object: {
            kind: "Status",
            code: 410,
            reason: "Expired",
            message: "too old resource version",
          },
        }) + "\n",
      );
    });
    const client = new KubeClient({ server: s.url });
    try {
      await expect(
        client.watch("/api/v1/pods", () => undefined, { resourceVersion: "1" }),
      ).rejects.toMatchObject({
        statusCode: 410,
        reason: "Expired",
      });
    } finally {
      client.close();
      await s.close();
    }
  });

  it("rejects with what the callback threw", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.write(JSON.stringify({ type: "ADDED", object: pod("a", "1") }) + "\n");
    });
    const client = new KubeClient({ server: s.url });
    try {
      await expect(
        client.watch("/api/v1/pods", () => {
          throw new Error("boom");
        }),
      ).rejects.toThrow("boom");
    } finally {
      client.close();
      await s.close();
    }
  });
});
