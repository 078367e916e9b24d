import { statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { loadKubeconfig } from "@steady/deploy";
import { CONTEXT_NAME, renderKubeconfig, writeKubeconfig } from "../src/pki/kubeconfig";
import { useTempDir } from "./helpers";

const CA = "-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n";
const CERT = "-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n";

describe("kubeconfig rendering", () => {
  it("renders one cluster, user and context with everything embedded", () => {
    const text = renderKubeconfig({
      server: "https://127.0.0.1:6443",
      caPem: CA,
      userName: "steady-admin",
      credentials: { kind: "cert", certPem: CERT, keyPem: KEY },
    });
    const doc = load(text) as Record<string, unknown>;
    expect(doc).toEqual({
      apiVersion: "v1",
      kind: "Config",
      preferences: {},
      clusters: [
        {
          name: CONTEXT_NAME,
          cluster: {
            server: "https://127.0.0.1:6443",
            "certificate-authority-data": Buffer.from(CA).toString("base64"),
          },
        },
      ],
      users: [
        {
          name: "steady-admin",
          user: {
            "client-certificate-data": Buffer.from(CERT).toString("base64"),
            "client-key-data": Buffer.from(KEY).toString("base64"),
          },
        },
      ],
      contexts: [{ name: CONTEXT_NAME, context: { cluster: CONTEXT_NAME, user: "steady-admin" } }],
      "current-context": CONTEXT_NAME,
    });
  });

  it("renders token credentials", () => {
    const doc = load(
      renderKubeconfig({
        server: "https://127.0.0.1:1",
        caPem: CA,
        userName: "u",
        credentials: { kind: "token", token: "abc" },
      }),
    ) as { users: { user: unknown }[] };
    expect(doc.users[0]!.user).toEqual({ token: "abc" });
  });
});

describe("kubeconfig files", () => {
  const t = useTempDir();

  it("are written with mode 0600 and read back by the client loader", () => {
    const path = join(t.dir, "kubeconfig");
    writeFileSync(path, "old", { mode: 0o644 });
    writeKubeconfig(path, {
      server: "https://127.0.0.1:6443",
      caPem: CA,
      userName: "steady-admin",
      credentials: { kind: "cert", certPem: CERT, keyPem: KEY },
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const config = loadKubeconfig(path);
    expect(config.server).toBe("https://127.0.0.1:6443");
    expect(config.ca?.toString()).toBe(CA);
    expect(config.cert?.toString()).toBe(CERT);
    expect(config.key?.toString()).toBe(KEY);
    expect(config.token).toBeUndefined();
    expect(config.insecureSkipTlsVerify).toBe(false);
  });

  it("the loader resolves named contexts, file references relative to the kubeconfig, tokens", () => {
    writeFileSync(join(t.dir, "ca.crt"), CA);
    writeFileSync(join(t.dir, "token"), "file-token\n");
    const path = join(t.dir, "config");
    writeFileSync(
      path,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: a",
        "clusters:",
        "- name: one",
        "  cluster: { server: 'https://10.0.0.1:443', certificate-authority: ca.crt }",
        "- name: two",
        "  cluster: { server: 'https://example.test', insecure-skip-tls-verify: true }",
        "users:",
        "- name: tok",
        "  user: { token: abc }",
        "- name: tokfile",
        "  user: { tokenFile: token }",
        "contexts:",
        "- name: a",
        "  context: { cluster: one, user: tok }",
        "- name: b",
        "  context: { cluster: two, user: tokfile }",
      ].join("\n"),
    );
    const a = loadKubeconfig(path);
    expect(a).toMatchObject({ server: "https://10.0.0.1:443", token: "abc" });
    expect(a.ca?.toString()).toBe(CA);
    const b = loadKubeconfig(path, "b");
    expect(b).toMatchObject({
      server: "https://example.test",
      insecureSkipTlsVerify: true,
      token: "file-token",
    });
    expect(() => loadKubeconfig(path, "c")).toThrow(/context "c" not found/);
  });
});
