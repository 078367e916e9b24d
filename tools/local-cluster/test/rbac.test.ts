import { IDENTITIES } from "../src/pki/pki";
import {
  KWOK_LEASE_RULES,
  KWOK_RULES,
  kwokRbac,
  NODE_LEASE_NAMESPACE,
} from "../src/control-plane/rbac";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[] };
const grants = (rules: readonly Rule[] | readonly unknown[]) =>
  (rules as Rule[]).flatMap((r) =>
    r.apiGroups.flatMap((g) =>
      r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res}:${v}`)),
    ),
  );

describe("kwok's RBAC", () => {
  it("is not in system:masters", () => {
    expect(IDENTITIES.kwok.groups).toEqual([]);
  });

  it("grants no wildcard, no create of pods or nodes, nothing on secrets", () => {
    const all = grants([...KWOK_RULES, ...KWOK_LEASE_RULES]);
    expect(all.filter((g) => g.includes("*"))).toEqual([]);
    expect(all.filter((g) => /^\/(pods|nodes):create$/.test(g))).toEqual([]);
    expect(all.filter((g) => /secrets|configmaps|serviceaccounts/.test(g))).toEqual([]);
  });

  it("grants leases only through a RoleBinding in kube-node-lease", () => {
    const objects = kwokRbac();
    const kinds = objects.map((o) => `${o.body.kind}/${o.body.metadata?.name}`);
    expect(kinds).toEqual([
      "ClusterRole/steady:kwok",
      "ClusterRole/steady:kwok-node-leases",
      "ClusterRoleBinding/steady:kwok",
      "RoleBinding/steady:kwok-node-leases",
    ]);
    const roleBinding = objects[3]!;
    expect(roleBinding.path).toBe(
      `/apis/rbac.authorization.k8s.io/v1/namespaces/${NODE_LEASE_NAMESPACE}/rolebindings/steady:kwok-node-leases`,
    );
    expect(roleBinding.body.roleRef).toEqual(
      expect.objectContaining({ kind: "ClusterRole", name: "steady:kwok-node-leases" }),
    );
    expect(grants(KWOK_RULES).some((g) => g.startsWith("coordination.k8s.io/"))).toBe(false);
    for (const o of objects.filter((o) => String(o.body.kind).endsWith("Binding"))) {
      expect(o.body.subjects).toEqual([
        { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "steady-kwok" },
      ]);
    }
  });
});
