import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { delimiter, join } from "node:path";
import { HOST } from "./ports";
import { NETWORK } from "./network";

/**
 * How clients authenticate and how they trust the API server:
 * - "certs": our own CA (made with openssl) signs the API server's serving certificate and one
 *   client certificate per identity;
 * - "token": kube-apiserver writes a self-signed serving certificate into its --cert-dir (the
 *   kubeconfig trusts that file) and identities are bearer tokens from a static token file.
 */
export type AuthMode = "certs" | "token";

/** Who talks to the API server; the user names make the bootstrap RBAC roles apply. */
export const IDENTITIES = {
  admin: { user: "steady-admin", groups: ["system:masters"] },
  "kube-controller-manager": { user: "system:kube-controller-manager", groups: [] },
  "kube-scheduler": { user: "system:kube-scheduler", groups: [] },
  // kwok patches node and pod status, renews node leases and deletes pods on any node it runs.
  kwok: { user: "steady-kwok", groups: ["system:masters"] },
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
}

/** openssl on PATH, if any. */
export function findOpenssl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, "openssl");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The mode an existing PKI directory was made for, if any. */
export function existingAuthMode(pkiDir: string): AuthMode | undefined {
  if (existsSync(join(pkiDir, "ca.crt"))) return "certs";
  if (existsSync(join(pkiDir, "tokens.csv"))) return "token";
  return undefined;
}

const DAYS = "3650"; // a local cluster's certificates should not expire under its users

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

class Openssl {
  constructor(
    private readonly bin: string,
    private readonly dir: string,
  ) {}

  private run(args: string[]): void {
    try {
      execFileSync(this.bin, args, { cwd: this.dir, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const stderr = (e as { stderr?: Buffer }).stderr?.toString() ?? "";
      throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(e)}`);
    }
  }

  ca(name: string, subject: string): void {
    // prettier-ignore
    this.run([
      "req", "-x509", "-new", "-nodes", "-sha256", "-days", DAYS,
      "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
      "-keyout", `${name}.key`, "-out", `${name}.crt`, "-subj", subject,
      "-addext", "basicConstraints=critical,CA:TRUE",
      "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    ]);
    chmodSync(join(this.dir, `${name}.key`), 0o600);
  }

  /** A leaf signed by <ca>.crt/<ca>.key: a CSR, then the signature with an extensions file. */
  leaf(name: string, subject: string, extensions: string[], ca = "ca"): void {
    const ext = `${name}.ext`;
    const csr = `${name}.csr`;
    writeFileSync(join(this.dir, ext), extensions.join("\n") + "\n");
    try {
      // prettier-ignore
      this.run([
        "req", "-new", "-nodes", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-keyout", `${name}.key`, "-out", csr, "-subj", subject,
      ]);
      chmodSync(join(this.dir, `${name}.key`), 0o600);
      // prettier-ignore
      this.run([
        "x509", "-req", "-sha256", "-days", DAYS, "-in", csr,
        "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-set_serial", `0x${randomBytes(16).toString("hex")}`,
        "-extfile", ext, "-out", `${name}.crt`,
      ]);
    } finally {
      rmSync(join(this.dir, ext), { force: true });
      rmSync(join(this.dir, csr), { force: true });
    }
  }
}

function subjectOf(id: IdentityName): string {
  const { user, groups } = IDENTITIES[id];
  return groups.map((g) => `/O=${g}`).join("") + `/CN=${user}`;
}

function certsPki(dir: string, openssl: string): Pki {
  const tool = new Openssl(openssl, dir);
  const has = (name: string) =>
    existsSync(join(dir, `${name}.crt`)) && existsSync(join(dir, `${name}.key`));
  if (!has("ca")) tool.ca("ca", "/CN=steady-local-ca");
  if (!has("apiserver")) {
    tool.leaf("apiserver", "/CN=kube-apiserver", [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${apiServerSans().join(",")}`,
    ]);
  }
  const credentials = {} as Record<IdentityName, Credentials>;
  for (const id of IDENTITY_NAMES) {
    const name = `client-${id}`;
    if (!has(name)) {
      tool.leaf(name, subjectOf(id), [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=clientAuth",
      ]);
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
    tool.leaf(
      "front-proxy-client",
      "/CN=front-proxy-client",
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=clientAuth",
      ],
      "front-proxy-ca",
    );
  }
  // kube-apiserver's identity towards kubelets (logs, exec, port-forward on a real node); the
  // kubelet authorizes it through the API server, where system:masters may do anything.
  if (!has("apiserver-kubelet-client")) {
    tool.leaf("apiserver-kubelet-client", "/O=system:masters/CN=steady-apiserver-kubelet-client", [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=clientAuth",
    ]);
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

function tokenPki(dir: string): Pki {
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
 * PKI wins; otherwise `preferred`, else "certs" when openssl is available, else "token".
 */
export function ensurePki(
  pkiDir: string,
  preferred?: AuthMode,
  env: NodeJS.ProcessEnv = process.env,
): Pki {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const openssl = findOpenssl(env);
  const mode = existingAuthMode(pkiDir) ?? preferred ?? (openssl ? "certs" : "token");
  if (mode === "certs") {
    if (!openssl) {
      throw new Error(
        `openssl not found on PATH, and ${pkiDir} holds a certificate authority made with it. ` +
          `Install openssl, or start over with \`steady-local down --purge\`.`,
      );
    }
    return certsPki(pkiDir, openssl);
  }
  return tokenPki(pkiDir);
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
    const subject = identity.groups.map((g) => `/O=${g}`).join("") + `/CN=${identity.user}`;
    new Openssl(openssl, pkiDir).leaf(base, subject, [
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=clientAuth",
    ]);
  }
  return { kind: "cert", certFile, keyFile };
}
