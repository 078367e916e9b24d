import { execFileSync } from "node:child_process";
import { randomBytes, X509Certificate } from "node:crypto";
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { delimiter, join } from "node:path";

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

const DAYS = "3650"; // a local cluster's certificates should not expire under its users

/** X.509 extensions of a leaf that only authenticates a client. */
export const CLIENT_EXTENSIONS: readonly string[] = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature,keyEncipherment",
  "extendedKeyUsage=clientAuth",
];

/** X.509 extensions of a leaf that serves TLS under `sans` (and, with `client`, also connects). */
export function servingExtensions(sans: readonly string[], client = false): string[] {
  return [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    `extendedKeyUsage=serverAuth${client ? ",clientAuth" : ""}`,
    `subjectAltName=${sans.join(",")}`,
  ];
}

/** The openssl subject of a user in groups: one O= per group, then CN=user. */
export function subjectOf(identity: { readonly user: string; readonly groups: readonly string[] }) {
  return identity.groups.map((g) => `/O=${g}`).join("") + `/CN=${identity.user}`;
}

/**
 * Whether the certificate in `certFile` names exactly `subject` (in subjectOf's form). A client
 * certificate from an older version whose groups have changed (kwok was in system:masters) does
 * not, and is made again.
 */
export function certificateHasSubject(certFile: string, subject: string): boolean {
  try {
    const cert = new X509Certificate(readFileSync(certFile));
    // Node prints the subject one attribute a line, in certificate order: "O=a\nO=b\nCN=u".
    const printed = cert.subject
      .split("\n")
      .map((line) => `/${line}`)
      .join("");
    return printed === subject;
  } catch {
    return false;
  }
}

/** Runs openssl in one directory to make a CA and leaves signed by it (EC P-256 keys, 0600). */
export class Openssl {
  constructor(
    private readonly bin: string,
    private readonly dir: string,
  ) {}

  /** Whether <name>.crt and <name>.key exist. */
  has(name: string): boolean {
    return existsSync(join(this.dir, `${name}.crt`)) && existsSync(join(this.dir, `${name}.key`));
  }

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
  leaf(name: string, subject: string, extensions: readonly string[], ca = "ca"): void {
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
