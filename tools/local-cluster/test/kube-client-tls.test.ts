import { KubeClient } from "@steady/deploy";
import { readFileSync } from "node:fs";
import * as http from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { loadCredentials, writeKubeconfig } from "../src/pki/kubeconfig";
import { ensurePki, findOpenssl } from "../src/pki/pki";
import { tempDir } from "./helpers";

// The client itself lives in @steady/deploy (and is tested there); this checks that it talks to
// a server with this package's PKI: the CA verifies the server, the admin certificate the client.

const json = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(JSON.stringify(body));
};

const withOpenssl = findOpenssl() ? describe : describe.skip;
withOpenssl("KubeClient over TLS with client certificates", () => {
  it("verifies the server for 127.0.0.1 against the CA and presents the admin certificate", async () => {
    const t = tempDir();
    const pki = ensurePki(join(t.dir, "pki"), "certs");
    const server = https.createServer(
      {
        cert: readFileSync(join(t.dir, "pki", "apiserver.crt")),
        key: readFileSync(join(t.dir, "pki", "apiserver.key")),
        ca: readFileSync(pki.serverCaFile),
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const peer = (req.socket as import("node:tls").TLSSocket).getPeerCertificate();
        json(res, 200, { subject: peer.subject });
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    const kubeconfig = join(t.dir, "kubeconfig");
    writeKubeconfig(kubeconfig, {
      server: `https://127.0.0.1:${port}`,
      caPem: readFileSync(pki.serverCaFile, "utf8"),
      userName: "steady-admin",
      credentials: loadCredentials(pki.credentials.admin),
    });
    const client = KubeClient.fromKubeconfig(kubeconfig);
    const stranger = new KubeClient({ server: `https://127.0.0.1:${port}` });
    try {
      const body = await client.get<{ subject: { CN: string; O: string } }>("/version");
      expect(body.subject).toMatchObject({ CN: "steady-admin", O: "system:masters" });
      // Without the CA, the server's certificate is not trusted.
      await expect(stranger.get("/version")).rejects.toThrow(/self.signed|unable to (get|verify)/i);
    } finally {
      client.close();
      stranger.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      t.cleanup();
    }
  });
});
