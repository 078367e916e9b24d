import { join } from "node:path";
import { CLIENT_EXTENSIONS, Openssl, servingExtensions } from "./openssl";
import { HOST } from "../host/ports";

/**
 * etcd's own certificates, apart from the API server's CA (as kubeadm keeps them): a client
 * certificate signed by the cluster CA must not open etcd, or every kubeconfig would.
 */
export interface EtcdPki {
  /** The CA etcd trusts for clients and peers, and that clients verify etcd with. */
  readonly caFile: string;
  /** etcd's serving certificate on its client port (its JSON gateway connects with it too). */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** The member's certificate on the peer port (it serves and connects there). */
  readonly peerCertFile: string;
  readonly peerKeyFile: string;
  /** The one client certificate: kube-apiserver's (steady-local's health check uses it too). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

/** Names (without .crt/.key) of etcd's files in the PKI directory. */
export const ETCD_PKI_FILES = {
  ca: "etcd-ca",
  server: "etcd-server",
  peer: "etcd-peer",
  client: "apiserver-etcd-client",
} as const;

/** Subject alternative names of etcd's serving and peer certificates: it listens on HOST only. */
export const ETCD_SANS: readonly string[] = [`IP:${HOST}`, "DNS:localhost"];

/**
 * etcd's CA and certificates under `dir`, each made when missing (a data directory from a
 * version whose etcd spoke plain HTTP gets them on its next start) and kept after.
 */
export function ensureEtcdPki(dir: string, openssl: string): EtcdPki {
  const tool = new Openssl(openssl, dir);
  const f = ETCD_PKI_FILES;
  // A new CA invalidates every leaf it signed before: make them all again with it.
  const newCa = !tool.has(f.ca);
  if (newCa) tool.ca(f.ca, "/CN=steady-local-etcd-ca");
  if (newCa || !tool.has(f.server)) {
    // clientAuth too: etcd's JSON gateway dials etcd's own gRPC port with this certificate.
    tool.leaf(f.server, "/CN=steady-local-etcd", servingExtensions(ETCD_SANS, true), f.ca);
  }
  if (newCa || !tool.has(f.peer)) {
    tool.leaf(f.peer, "/CN=steady-local-etcd-peer", servingExtensions(ETCD_SANS, true), f.ca);
  }
  if (newCa || !tool.has(f.client)) {
    tool.leaf(f.client, "/CN=kube-apiserver-etcd-client", CLIENT_EXTENSIONS, f.ca);
  }
  const file = (name: string, ext: "crt" | "key") => join(dir, `${name}.${ext}`);
  return {
    caFile: file(f.ca, "crt"),
    serverCertFile: file(f.server, "crt"),
    serverKeyFile: file(f.server, "key"),
    peerCertFile: file(f.peer, "crt"),
    peerKeyFile: file(f.peer, "key"),
    clientCertFile: file(f.client, "crt"),
    clientKeyFile: file(f.client, "key"),
  };
}
