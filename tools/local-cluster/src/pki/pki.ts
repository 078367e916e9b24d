import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureEtcdPki, type EtcdPki } from "./etcd-pki";
import { NETWORK } from "../network";
import {
  certificateHasSubject,
  CLIENT_EXTENSIONS,
  findOpenssl,
  Openssl,
  servingExtensions,
  subjectOf,
} from "./openssl";
import { HOST } from "../host/ports";

export { findOpenssl } from "./openssl";

/**
 * How clients authenticate to the API server and how they trust it:
 * - "certs": our own CA (made with openssl) signs the API server's serving certificate and one
 *   client certificate per identity;
 * - "token": kube-apiserver writes a self-signed serving certificate into its --cert-dir (the
 *   kubeconfig trusts that file) and identities are bearer tokens from a static token file.
 * Either way etcd has its own CA and certificates (see etcd-pki.ts), made with openssl.
 */
export type AuthMode = "certs" | "token";

/**
 * Who talks to the API server. The controller-manager and scheduler names are the ones the
 * bootstrap RBAC roles (system:kube-controller-manager, system:kube-scheduler) are bound to;
 * kwok gets only the ClusterRole in rbac.ts; the admin alone is in system:masters.
 */
export const IDENTITIES = {
  admin: { user: "steady-admin", groups: ["system:masters"] },
  "kube-controller-manager": { user: "system:kube-controller-manager", groups: [] },
  "kube-scheduler": { user: "system:kube-scheduler", groups: [] },
  kwok: { user: "steady-kwok", groups: [] },
} as const satisfies Record<string, { user: string; groups: readonly string[] }>;
export type IdentityName = keyof typeof IDENTITIES;
export const IDENTITY_NAMES = Object.keys(IDENTITIES) as IdentityName[];

/** Client credentials of one identity, as files. */
export type Credentials =
  | { readonly kind: "cert"; readonly certFile: string; readonly keyFile: string }
  | { readonly kind: "token"; readonly token: string };

export interface Pki {
  readonly mode: AuthMode;
  /** CA bundle that verifies the API server (in token mode, written by kube-apiserver). */
  readonly serverCaFile: string;
  /** Service-account token signing key (private, PEM) and its public half. */
  readonly serviceAccountKeyFile: string;
  readonly serviceAccountPubFile: string;
  /** kube-apiserver flags for serving and client authentication. */
  readonly apiServerFlags: readonly string[];
  /** Extra kube-controller-manager flags (CSR signing with our CA in certs mode). */
  readonly controllerManagerFlags: readonly string[];
  readonly credentials: Readonly<Record<IdentityName, Credentials>>;
  /** etcd's CA, serving and peer certificates, and the API server's client certificate to it. */
  readonly etcd: EtcdPki;
}

/** The mode an existing PKI directory was made for, if any. */
export function existingAuthMode(pkiDir: string): AuthMode | undefined {
  if (existsSync(join(pkiDir, "ca.crt"))) return "certs";
  if (existsSync(join(pkiDir, "tokens.csv"))) return "token";
  return undefined;
}

function writePrivate(path: string, data: string): void {
  writeFileSync(path, data, { mode: 0o600 });
}

function ensureServiceAccountKeys(dir: string): { key: string; pub: string } {
  const key = join(dir, "sa.key");
  const pub = join(dir, "sa.pub");
  if (!existsSync(key) || !existsSync(pub)) {
    // ECDSA P-256 (tokens signed ES256): as good as RSA here, and made in a fraction of the time.
    const pair = generateKeyPairSync("ec", {
      namedCurve: "prime256v1",
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
    writePrivate(key, pair.privateKey);
    writeFileSync(pub, pair.publicKey, { mode: 0o644 });
  }
  return { key, pub };
}

/** Subject alternative names of the API server's serving certificate. */
export function apiServerSans(): string[] {
  const serviceIp = firstServiceIp(NETWORK.serviceCidr);
  return [
    `IP:${HOST}`,
    `IP:${serviceIp}`,
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ];
}

/** The first usable address of an IPv4 CIDR: the `kubernetes` Service's ClusterIP. */
export function firstServiceIp(cidr: string): string {
  const parts = cidr.split("/")[0]!.split(".").map(Number);
  parts[3] = parts[3]! + 1;
  return parts.join(".");
}

function certsPki(dir: string, openssl: string): Omit<Pki, "etcd"> {
  const tool = new Openssl(openssl, dir);
  const has = (name: string) => tool.has(name);
  if (!has("ca")) tool.ca("ca", "/CN=steady-local-ca");
  if (!has("apiserver")) {
    tool.leaf("apiserver", "/CN=kube-apiserver", servingExtensions(apiServerSans()));
  }
  const credentials = {} as Record<IdentityName, Credentials>;
  for (const id of IDENTITY_NAMES) {
    const name = `client-${id}`;
    const subject = subjectOf(IDENTITIES[id]);
    // Made again when an older version made it for other groups (kwok in system:masters).
    if (!has(name) || !certificateHasSubject(join(dir, `${name}.crt`), subject)) {
      tool.leaf(name, subject, CLIENT_EXTENSIONS);
    }
    credentials[id] = {
      kind: "cert",
      certFile: join(dir, `${name}.crt`),
      keyFile: join(dir, `${name}.key`),
    };
  }
  // The aggregation layer's front proxy: kube-apiserver presents this client certificate to
  // extension API servers, which trust it through the requestheader CA (its own CA, as
  // kubeadm does, so no ordinary client certificate can assert identities in headers).
  if (!has("front-proxy-ca")) tool.ca("front-proxy-ca", "/CN=steady-local-front-proxy-ca");
  if (!has("front-proxy-client")) {
    tool.leaf("front-proxy-client", "/CN=front-proxy-client", CLIENT_EXTENSIONS, "front-proxy-ca");
  }
  // kube-apiserver's identity towards kubelets (logs, exec, port-forward on a real node); the
  // kubelet authorizes it through the API server, where system:masters may do anything.
  if (!has("apiserver-kubelet-client")) {
    tool.leaf(
      "apiserver-kubelet-client",
      "/O=system:masters/CN=steady-apiserver-kubelet-client",
      CLIENT_EXTENSIONS,
    );
  }
  const sa = ensureServiceAccountKeys(dir);
  const ca = join(dir, "ca.crt");
  const caKey = join(dir, "ca.key");
  return {
    mode: "certs",
    serverCaFile: ca,
    serviceAccountKeyFile: sa.key,
    serviceAccountPubFile: sa.pub,
    apiServerFlags: [
      `--tls-cert-file=${join(dir, "apiserver.crt")}`,
      `--tls-private-key-file=${join(dir, "apiserver.key")}`,
      `--client-ca-file=${ca}`,
      `--requestheader-client-ca-file=${join(dir, "front-proxy-ca.crt")}`,
      "--requestheader-allowed-names=front-proxy-client",
      "--requestheader-username-headers=X-Remote-User",
      "--requestheader-group-headers=X-Remote-Group",
      "--requestheader-extra-headers-prefix=X-Remote-Extra-",
      `--proxy-client-cert-file=${join(dir, "front-proxy-client.crt")}`,
      `--proxy-client-key-file=${join(dir, "front-proxy-client.key")}`,
      `--kubelet-client-certificate=${join(dir, "apiserver-kubelet-client.crt")}`,
      `--kubelet-client-key=${join(dir, "apiserver-kubelet-client.key")}`,
    ],
    controllerManagerFlags: [
      `--cluster-signing-cert-file=${ca}`,
      `--cluster-signing-key-file=${caKey}`,
    ],
    credentials,
  };
}

/** Line of a kube-apiserver --token-auth-file: token,user,uid,"group1,group2". */
export function tokenFileLine(token: string, user: string, groups: readonly string[]): string {
  const line = `${token},${user},${user}`;
  return groups.length ? `${line},"${groups.join(",")}"` : line;
}

function parseTokenFile(text: string): Map<string, string> {
  const byUser = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [token, user] = line.split(",");
    if (token && user) byUser.set(user, token);
  }
  return byUser;
}

function tokenPki(dir: string): Omit<Pki, "etcd"> {
  const file = join(dir, "tokens.csv");
  const existing = existsSync(file)
    ? parseTokenFile(readFileSync(file, "utf8"))
    : new Map<string, string>();
  const credentials = {} as Record<IdentityName, Credentials>;
  const lines: string[] = [];
  for (const id of IDENTITY_NAMES) {
    const { user, groups } = IDENTITIES[id];
    const token = existing.get(user) ?? randomBytes(24).toString("hex");
    credentials[id] = { kind: "token", token };
    lines.push(tokenFileLine(token, user, groups));
  }
  writePrivate(file, lines.join("\n") + "\n");
  const certDir = join(dir, "apiserver");
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  const sa = ensureServiceAccountKeys(dir);
  return {
    mode: "token",
    // kube-apiserver writes apiserver.crt (serving certificate followed by its signing CA) here
    // on first start; the bind address 127.0.0.1 is one of its IP SANs.
    serverCaFile: join(certDir, "apiserver.crt"),
    serviceAccountKeyFile: sa.key,
    serviceAccountPubFile: sa.pub,
    apiServerFlags: [`--cert-dir=${certDir}`, `--token-auth-file=${file}`],
    controllerManagerFlags: [],
    credentials,
  };
}

/**
 * The cluster's keys and certificates under `pkiDir`, made on first use and reused after (so
 * service-account tokens and kubeconfigs stay valid across restarts). The mode of an existing
 * PKI wins; otherwise `preferred`, else "certs". Keys and certificates missing from a PKI made
 * by an older version (etcd's, a client certificate for other groups) are made now, so an
 * existing data directory converts on its next start.
 * @throws when openssl is not on PATH (etcd's certificates need it in either mode).
 */
export function ensurePki(
  pkiDir: string,
  preferred?: AuthMode,
  env: NodeJS.ProcessEnv = process.env,
): Pki {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const openssl = findOpenssl(env);
  if (!openssl) {
    throw new Error(
      `openssl not found on PATH; it makes the certificates of etcd (which accepts only ` +
        `clients with one) and of the API server. Install it (\`apt-get install openssl\`).`,
    );
  }
  const mode = existingAuthMode(pkiDir) ?? preferred ?? "certs";
  const api = mode === "certs" ? certsPki(pkiDir, openssl) : tokenPki(pkiDir);
  return { ...api, etcd: ensureEtcdPki(pkiDir, openssl) };
}

/**
 * A client certificate for `user` in `groups`, signed by the cluster CA of a "certs" PKI and kept
 * as `<pkiDir>/client-<name>.{crt,key}` (made on first use). The real node's kubelet and
 * kube-proxy get theirs this way.
 * @throws when the PKI is not in "certs" mode, or openssl is missing.
 */
export function ensureClientCertificate(
  pkiDir: string,
  name: string,
  identity: { readonly user: string; readonly groups: readonly string[] },
  env: NodeJS.ProcessEnv = process.env,
): Extract<Credentials, { kind: "cert" }> {
  if (existingAuthMode(pkiDir) !== "certs") {
    throw new Error(`${pkiDir} has no certificate authority (the cluster uses bearer tokens)`);
  }
  const openssl = findOpenssl(env);
  if (!openssl) throw new Error("openssl not found on PATH");
  const base = `client-${name}`;
  const certFile = join(pkiDir, `${base}.crt`);
  const keyFile = join(pkiDir, `${base}.key`);
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    new Openssl(openssl, pkiDir).leaf(base, subjectOf(identity), CLIENT_EXTENSIONS);
  }
  return { kind: "cert", certFile, keyFile };
}
