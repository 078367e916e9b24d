import { KubeApiError, type KubeClient, type KubeObject } from "@steady/deploy";
import { IDENTITIES } from "../pki/pki";

/** Namespace of the nodes' heartbeat Leases (kube-apiserver creates it; so may we). */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

/** Name of kwok's ClusterRoles and of their bindings. */
export const KWOK_ROLE = "steady:kwok";
export const KWOK_LEASE_ROLE = "steady:kwok-node-leases";

interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

const rule = (apiGroup: string, resources: string[], verbs: string[]): PolicyRule => ({
  apiGroups: [apiGroup],
  resources,
  verbs,
});

/**
 * What kwok v0.8.0 does with our stages (kwok/stages.yaml), read from its controllers and
 * nothing more: informers list and watch Nodes and Pods (pkg/kwok/controllers/controller.go);
 * stages patch their status (node_controller.go, pod_controller.go: Patch with the "status"
 * subresource); a Pod being deleted loses its finalizers (a patch of the Pod) and is then
 * deleted (pod_controller.go); the event recorder creates Events and patches repeats. It creates
 * nothing but Events and Leases, so it cannot start a Pod anywhere, and reads no Secret.
 */
export const KWOK_RULES: readonly PolicyRule[] = [
  rule("", ["nodes"], ["list", "watch"]),
  rule("", ["nodes/status"], ["patch"]),
  rule("", ["pods"], ["list", "watch", "patch", "delete"]),
  rule("", ["pods/status"], ["patch"]),
  rule("", ["events"], ["create", "patch"]),
];

/**
 * Node heartbeats (node_lease_controller.go: an informer on kube-node-lease, Create and
 * Update), granted in kube-node-lease only through a RoleBinding, not on every Lease.
 */
export const KWOK_LEASE_RULES: readonly PolicyRule[] = [
  rule("coordination.k8s.io", ["leases"], ["list", "watch", "create", "update"]),
];

const RBAC = "/apis/rbac.authorization.k8s.io/v1";
const LABELS = { "app.kubernetes.io/managed-by": "steady-local" };

/** An object and the path a PUT creates or replaces it at. */
export interface Desired {
  readonly path: string;
  readonly body: KubeObject;
}

/** kwok's ClusterRoles, a ClusterRoleBinding and a RoleBinding in kube-node-lease (pure). */
export function kwokRbac(user: string = IDENTITIES.kwok.user): Desired[] {
  const subjects = [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: user }];
  const role = (name: string, rules: readonly PolicyRule[]): Desired => ({
    path: `${RBAC}/clusterroles/${name}`,
    body: {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name, labels: LABELS },
      rules,
    },
  });
  const roleRef = (name: string) => ({
    apiGroup: "rbac.authorization.k8s.io",
    kind: "ClusterRole",
    name,
  });
  return [
    role(KWOK_ROLE, KWOK_RULES),
    role(KWOK_LEASE_ROLE, KWOK_LEASE_RULES),
    {
      path: `${RBAC}/clusterrolebindings/${KWOK_ROLE}`,
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "ClusterRoleBinding",
        metadata: { name: KWOK_ROLE, labels: LABELS },
        roleRef: roleRef(KWOK_ROLE),
        subjects,
      },
    },
    {
      path: `${RBAC}/namespaces/${NODE_LEASE_NAMESPACE}/rolebindings/${KWOK_LEASE_ROLE}`,
      body: {
        apiVersion: "rbac.authorization.k8s.io/v1",
        kind: "RoleBinding",
        metadata: { name: KWOK_LEASE_ROLE, namespace: NODE_LEASE_NAMESPACE, labels: LABELS },
        roleRef: roleRef(KWOK_LEASE_ROLE),
        subjects,
      },
    },
  ];
}

/**
 * Creates or replaces kwok's roles and bindings as the admin, before kwok starts (every start:
 * a cluster made by an older version, where kwok was in system:masters, gets them too).
 * kube-node-lease is created when kube-apiserver has not made it yet.
 */
export async function applyKwokRbac(client: KubeClient): Promise<void> {
  try {
    await client.request("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: NODE_LEASE_NAMESPACE },
    });
  } catch (e) {
    if (!(e instanceof KubeApiError && e.statusCode === 409)) throw e;
  }
  // PUT without a resourceVersion creates the object or overwrites it, whatever it was.
  for (const { path, body } of kwokRbac()) await client.request("PUT", path, body);
  await untilAllowed(client, IDENTITIES.kwok.user, [
    { verb: "watch", resource: "pods" },
    {
      verb: "update",
      group: "coordination.k8s.io",
      resource: "leases",
      namespace: NODE_LEASE_NAMESPACE,
    },
  ]);
}

interface Access {
  readonly verb: string;
  readonly resource: string;
  readonly group?: string;
  readonly namespace?: string;
}

/**
 * Waits until the RBAC authorizer (fed by a watch) allows `user` each access: kwok's first
 * list would otherwise be refused and retried after a back-off, slowing the first Ready node.
 */
async function untilAllowed(client: KubeClient, user: string, accesses: readonly Access[]) {
  const deadline = Date.now() + 10_000;
  for (const a of accesses) {
    for (;;) {
      const review = await client.request<{ status?: { allowed?: boolean } }>(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SubjectAccessReview",
          spec: { user, resourceAttributes: { ...a, group: a.group ?? "" } },
        },
      );
      if (review.status?.allowed) break;
      if (Date.now() > deadline) {
        throw new Error(`${user} is still not allowed to ${a.verb} ${a.resource} after 10 s`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
