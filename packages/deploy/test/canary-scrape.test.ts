import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { KubeClient } from "../src/kube-client";
import { scrapeTracks } from "../src/canary-scrape";

/** A stand-in API server: pod lists by label selector, and the pod proxy for /metrics. */
async function apiServer(
  pods: { name: string; canary: boolean; ready: boolean; metrics: string }[],
) {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    seen.push(decodeURIComponent(url.pathname + url.search));
    const proxy = /^\/api\/v1\/namespaces\/prod\/pods\/([^/:]+):8080\/proxy\/metrics$/.exec(
      url.pathname,
    );
    if (proxy) {
      const pod = pods.find((p) => p.name === proxy[1]);
      res.writeHead(pod ? 200 : 404, {
        "Content-Type": "text/plain; version=0.0.4; charset=utf-8",
      });
      return res.end(pod ? pod.metrics : "no such pod");
    }
    if (url.pathname === "/api/v1/namespaces/prod/pods") {
      const selector = url.searchParams.get("labelSelector") ?? "";
      const wantCanary = selector.endsWith("steady.dev/track=canary");
      const items = pods
        .filter((p) => p.canary === wantCanary)
        .map((p) => ({
          metadata: { name: p.name },
          status: {
            phase: "Running",
            conditions: [{ type: "Ready", status: p.ready ? "True" : "False" }],
          },
        }));
      res.writeHead(200, { "Content-Type": "application/json" });
      return res.end(JSON.stringify({ metadata: {}, items }));
    }
    return res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const client = new KubeClient({
    server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
  });
  return {
    client,
    seen,
    close: () => {
      client.close();
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const target = {
  namespace: "prod",
  selector: { "app.kubernetes.io/name": "hello", "app.kubernetes.io/instance": "hello" },
  port: 8080,
};

describe("scrapeTracks", () => {
  it("scrapes the Ready pods of each track through the API server's pod proxy", async () => {
    const api = await apiServer([
      { name: "hello-s1", canary: false, ready: true, metrics: "x_total 3\n" },
      { name: "hello-s2", canary: false, ready: false, metrics: "x_total 9\n" },
      { name: "hello-c1", canary: true, ready: true, metrics: "x_total 1\n" },
    ]);
    try {
      const got = await scrapeTracks(api.client, target);
      expect(got).toEqual({
        canary: [{ pod: "hello-c1", samples: [{ name: "x_total", labels: {}, value: 1 }] }],
        stable: [{ pod: "hello-s1", samples: [{ name: "x_total", labels: {}, value: 3 }] }],
      });
      expect(api.seen).toEqual(
        expect.arrayContaining([
          "/api/v1/namespaces/prod/pods?labelSelector=app.kubernetes.io/name=hello,app.kubernetes.io/instance=hello,steady.dev/track=canary",
          "/api/v1/namespaces/prod/pods?labelSelector=app.kubernetes.io/name=hello,app.kubernetes.io/instance=hello,steady.dev/track!=canary",
          "/api/v1/namespaces/prod/pods/hello-s1:8080/proxy/metrics",
          "/api/v1/namespaces/prod/pods/hello-c1:8080/proxy/metrics",
        ]),
      );
      expect(api.seen).not.toContain("/api/v1/namespaces/prod/pods/hello-s2:8080/proxy/metrics");
    } finally {
      await api.close();
    }
  });

  it("names the pod whose metrics cannot be read", async () => {
    const api = await apiServer([
      { name: "hello-c1", canary: true, ready: true, metrics: "x_total{ 1\n" },
    ]);
    try {
      await expect(scrapeTracks(api.client, target)).rejects.toThrow(
        /^cannot scrape pod prod\/hello-c1: line 1: expected a label name/,
      );
    } finally {
      await api.close();
    }
  });
});
