import { containerLabel, type Container, type PodSpec } from "../k8s";
import { resourcePolicy } from "../wiring";
import { hasPodSpec, podSpecOf } from "./pod-spec";

/** Name of the rule. */
export const RESTRICTED_SECURITY_CONTEXT = "restricted-security-context";

/** The only capability the restricted Pod Security Standard lets a container add. */
const ALLOWED_CAPABILITY = "NET_BIND_SERVICE";
const ALLOWED_SECCOMP = ["RuntimeDefault", "Localhost"];

function checkContainer(pod: PodSpec, c: Container, label: string): string[] {
  const sc = c.securityContext ?? {};
  const out: string[] = [];
  if (sc.privileged === true) {
    out.push(`${label} is privileged: remove securityContext.privileged (or set it to false)`);
  }
  if (sc.allowPrivilegeEscalation !== false) {
    out.push(`${label} does not set securityContext.allowPrivilegeEscalation to false`);
  }
  const drop = sc.capabilities?.drop ?? [];
  if (!drop.includes("ALL")) {
    out.push(
      `${label} does not drop every capability: set securityContext.capabilities.drop to ["ALL"]`,
    );
  }
  const added = (sc.capabilities?.add ?? []).filter((cap) => cap !== ALLOWED_CAPABILITY);
  if (added.length > 0) {
    out.push(
      `${label} adds capabilities ${added.join(", ")}: the restricted profile allows only ${ALLOWED_CAPABILITY}`,
    );
  }
  const nonRoot = sc.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
  if (nonRoot !== true) {
    out.push(
      `${label} may run as root: set securityContext.runAsNonRoot to true (on the pod or the container)`,
    );
  }
  const user = sc.runAsUser ?? pod.securityContext?.runAsUser;
  if (user === 0) {
    out.push(`${label} runs as user 0 (root): set runAsUser to a non-zero UID`);
  }
  const seccomp = sc.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type;
  if (seccomp === undefined) {
    out.push(
      `${label} has no seccomp profile: set securityContext.seccompProfile.type to RuntimeDefault (on the pod or the container)`,
    );
  } else if (!ALLOWED_SECCOMP.includes(seccomp)) {
    out.push(`${label} uses seccomp profile "${seccomp}": use RuntimeDefault`);
  }
  if (sc.readOnlyRootFilesystem !== true) {
    out.push(
      `${label} has a writable root filesystem: set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where the app writes`,
    );
  }
  return out;
}

/**
 * Checks a pod spec against the restricted Pod Security Standard (plus a read-only root
 * filesystem and no service account token): a pod the namespace's admission rejects never
 * starts, which is downtime too.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
 */
export function checkRestrictedSecurityContext(pod: PodSpec | undefined): string[] {
  const spec = pod ?? {};
  const out: string[] = [];
  if (spec.automountServiceAccountToken !== false) {
    out.push(
      `the pod's automountServiceAccountToken is ${spec.automountServiceAccountToken === undefined ? "not set (so the token is mounted)" : String(spec.automountServiceAccountToken)}: set it to false in the pod spec unless the app calls the Kubernetes API`,
    );
  }
  (spec.initContainers ?? []).forEach((c, i) =>
    out.push(...checkContainer(spec, c, containerLabel(c, i, true))),
  );
  (spec.containers ?? []).forEach((c, i) =>
    out.push(...checkContainer(spec, c, containerLabel(c, i))),
  );
  return out;
}

/** Policy: restricted security context on every pod. */
export const restrictedSecurityContextPolicy = resourcePolicy(
  {
    name: RESTRICTED_SECURITY_CONTEXT,
    description:
      "Pods run non-root, without privilege escalation or privileges, drop ALL capabilities, use seccomp RuntimeDefault and a read-only root filesystem, and mount no service account token.",
  },
  hasPodSpec,
  (obj, ctx) => checkRestrictedSecurityContext(podSpecOf(ctx.type, obj)),
);
