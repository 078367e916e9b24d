import { ADMISSION_PLUGINS, AUTHORIZATION_MODES } from "./components";
import type { ClusterState } from "./state";

/** What a running cluster's command lines say about who may reach what. */
export interface SecurityPosture {
  /** etcd serves TLS on its client port. */
  readonly etcdTls: boolean;
  /** etcd refuses clients without a certificate from its CA. */
  readonly etcdClientCertAuth: boolean;
  /** etcd's peer port: TLS with peer certificates required. */
  readonly etcdPeerTls: boolean;
  /** kube-apiserver's --enable-admission-plugins (on top of its default set). */
  readonly admissionPlugins: readonly string[];
  /** kube-apiserver's --authorization-mode, in order. */
  readonly authorizationModes: readonly string[];
}

/** The value of `--name=value` in argv, if given. */
export function flagValue(argv: readonly string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return argv.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

const list = (value: string | undefined) => (value ? value.split(",").filter(Boolean) : []);

/** The posture recorded in state.json: the exact argv etcd and kube-apiserver were started with. */
export function securityPosture(state: Pick<ClusterState, "components">): SecurityPosture {
  const etcd = state.components.etcd?.argv ?? [];
  const api = state.components["kube-apiserver"]?.argv ?? [];
  const https = (flag: string) => (flagValue(etcd, flag) ?? "").startsWith("https://");
  return {
    etcdTls: https("listen-client-urls"),
    // etcd documents that a --trusted-ca-file turns client certificate checks on by itself.
    etcdClientCertAuth:
      flagValue(etcd, "client-cert-auth") === "true" || !!flagValue(etcd, "trusted-ca-file"),
    etcdPeerTls: https("listen-peer-urls") && flagValue(etcd, "peer-client-cert-auth") === "true",
    admissionPlugins: list(flagValue(api, "enable-admission-plugins")),
    authorizationModes: list(flagValue(api, "authorization-mode")),
  };
}

/** What `posture` lacks that this version sets up: empty when the cluster is as `up` makes it. */
export function postureGaps(posture: SecurityPosture): string[] {
  const gaps: string[] = [];
  if (!posture.etcdTls) gaps.push("etcd serves plain HTTP");
  else if (!posture.etcdClientCertAuth) gaps.push("etcd accepts clients without a certificate");
  if (!posture.etcdPeerTls) gaps.push("etcd's peer port is not TLS with peer certificates");
  const missing = ADMISSION_PLUGINS.filter((p) => !posture.admissionPlugins.includes(p));
  if (missing.length) gaps.push(`admission plugin ${missing.join(", ")} is off`);
  if (posture.authorizationModes.join(",") !== AUTHORIZATION_MODES.join(",")) {
    const modes = posture.authorizationModes.join(",") || "(default)";
    gaps.push(`authorization mode is ${modes}, not ${AUTHORIZATION_MODES.join(",")}`);
  }
  return gaps;
}

/** The posture in one line, as `status` prints it. */
export function describePosture(posture: SecurityPosture): string {
  const etcd = !posture.etcdTls
    ? "etcd plain HTTP, no client authentication"
    : posture.etcdClientCertAuth
      ? "etcd TLS, client certificates required"
      : "etcd TLS, no client authentication";
  const plugins = posture.admissionPlugins.join(",") || "defaults only";
  const modes = posture.authorizationModes.join(",") || "default";
  const gaps = postureGaps(posture);
  const verdict = gaps.length ? `NOT as up sets it: ${gaps.join("; ")}` : "as up sets it";
  return `${etcd}; authorization ${modes}; admission plugins ${plugins} — ${verdict}`;
}
