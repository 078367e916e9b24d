import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dump } from "js-yaml";
import type { Credentials } from "./pki";

/** Name of the cluster and context in every kubeconfig this package writes. */
export const CONTEXT_NAME = "steady-local";

export interface KubeconfigSpec {
  /** https://127.0.0.1:<port> */
  readonly server: string;
  /** PEM bundle that verifies the server. */
  readonly caPem: string;
  readonly userName: string;
  readonly credentials:
    | { readonly kind: "cert"; readonly certPem: string; readonly keyPem: string }
    | { readonly kind: "token"; readonly token: string };
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

/** A kubeconfig (YAML) with one cluster, user and context, every secret embedded. */
export function renderKubeconfig(spec: KubeconfigSpec): string {
  const user: Record<string, string> =
    spec.credentials.kind === "cert"
      ? {
          "client-certificate-data": b64(spec.credentials.certPem),
          "client-key-data": b64(spec.credentials.keyPem),
        }
      : { token: spec.credentials.token };
  const config = {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [
      {
        name: CONTEXT_NAME,
        cluster: { server: spec.server, "certificate-authority-data": b64(spec.caPem) },
      },
    ],
    users: [{ name: spec.userName, user }],
    contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: spec.userName } }],
    "current-context": CONTEXT_NAME,
  };
  return dump(config, { lineWidth: -1, noRefs: true });
}

/** Reads the files behind `credentials` into a kubeconfig's credentials. */
export function loadCredentials(credentials: Credentials): KubeconfigSpec["credentials"] {
  return credentials.kind === "cert"
    ? {
        kind: "cert",
        certPem: readFileSync(credentials.certFile, "utf8"),
        keyPem: readFileSync(credentials.keyFile, "utf8"),
      }
    : credentials;
}

/** Writes a kubeconfig with mode 0600 (it holds credentials), replacing any old one at once. */
export function writeKubeconfig(path: string, spec: KubeconfigSpec): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, renderKubeconfig(spec), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}
