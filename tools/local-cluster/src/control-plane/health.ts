import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ETCD_PKI_FILES } from "../pki/etcd-pki";
import { KubeClient } from "@steady/deploy";
import type { ComponentName } from "../paths";
import type { Pki } from "../pki/pki";
import { HOST, type Ports } from "../host/ports";
import { httpOk, type HttpCheckTls } from "../host/readiness";

export const apiServerUrl = (ports: Ports) => `https://${HOST}:${ports.apiServer}`;

/**
 * An admin client built straight from the PKI files (the kubeconfig may not be written yet).
 * In token mode the server CA appears only once kube-apiserver has written it.
 */
export function adminClient(pki: Pki, ports: Ports, timeoutMs = 5000): KubeClient {
  if (!existsSync(pki.serverCaFile)) {
    throw new Error(`${pki.serverCaFile} does not exist yet`);
  }
  const cred = pki.credentials.admin;
  return new KubeClient({
    server: apiServerUrl(ports),
    ca: readFileSync(pki.serverCaFile),
    ...(cred.kind === "cert"
      ? { cert: readFileSync(cred.certFile), key: readFileSync(cred.keyFile) }
      : { token: cred.token }),
    timeoutMs,
  });
}

/** GET /readyz as the admin, verifying the server's certificate. */
export async function apiServerReady(makeClient: () => KubeClient): Promise<boolean> {
  const client = makeClient();
  try {
    const body = await client.get<string>("/readyz");
    return String(body).trim() === "ok";
  } finally {
    client.close();
  }
}

/**
 * How steady-local reaches etcd: verifying it with etcd's CA and presenting the API server's
 * client certificate (etcd takes no other). Read at each call: files appear on first start.
 */
export function etcdClientTls(pkiDir: string): HttpCheckTls {
  const file = (name: string, ext: string) => readFileSync(join(pkiDir, `${name}.${ext}`));
  return {
    ca: file(ETCD_PKI_FILES.ca, "crt"),
    cert: file(ETCD_PKI_FILES.client, "crt"),
    key: file(ETCD_PKI_FILES.client, "key"),
  };
}

/**
 * The readiness check of each component: etcd /health over TLS with the API server's client
 * certificate from `pkiDir`; kube-apiserver /readyz (authenticated);
 * controller-manager and scheduler /healthz on their secure ports (self-signed: not verified);
 * kwok /healthz on its HTTP server.
 */
export function healthCheck(
  name: ComponentName,
  ports: Ports,
  apiClient: () => KubeClient,
  pkiDir: string,
): () => Promise<boolean> {
  switch (name) {
    case "etcd":
      return () =>
        httpOk(
          `https://${HOST}:${ports.etcdClient}/health`,
          etcdClientTls(pkiDir),
          /"health":\s*"true"/,
        )();
    case "kube-apiserver":
      return () => apiServerReady(apiClient);
    case "kube-controller-manager":
      return httpOk(
        `https://${HOST}:${ports.controllerManager}/healthz`,
        { insecure: true },
        /^ok/,
      );
    case "kube-scheduler":
      return httpOk(`https://${HOST}:${ports.scheduler}/healthz`, { insecure: true }, /^ok/);
    case "kwok":
      return httpOk(`http://${HOST}:${ports.kwok}/healthz`);
  }
}
