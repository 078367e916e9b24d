import type { EngineEvent, StepEventMetadata } from "@pulumi/pulumi/automation";

/** A kind of Kubernetes object whose replacement or deletion drops traffic or data, and why. */
export interface GuardedKind {
  /** The object's kind, as in the last part of the Pulumi type token. */
  readonly kind: string;
  /** The API groups that serve it (`core` for the core group), as in the type token. */
  readonly groups: readonly string[];
  /** What is lost when the object is deleted, or replaced by a new one. */
  readonly why: string;
}

/**
 * The kinds the replacement guard stops, each with its reason: the one list the guard, the CLI
 * help and the job summary read.
 *
 * A kind matches in every API version of its groups (`apps/v1beta2:Deployment` is the same
 * object as `apps/v1:Deployment`, and the provider still ships the old versions), but not in
 * another group: a custom resource of kind `Service` is not a core Service. The provider's
 * `<Kind>Patch` types never match: deleting or replacing a Patch resource relinquishes the
 * fields it set (server-side apply), it never deletes the object (pulumi-kubernetes
 * pkg/await/await.go, Deletion: `ssa.Relinquish` for patch resources).
 */
export const GUARDED_KINDS: readonly GuardedKind[] = [
  {
    kind: "Namespace",
    groups: ["core"],
    why: "Kubernetes deletes every object in it, including the apps of other stacks deployed there",
  },
  {
    kind: "CustomResourceDefinition",
    groups: ["apiextensions.k8s.io"],
    why: "Kubernetes deletes every object of its kind, in every namespace",
  },
  {
    kind: "Deployment",
    groups: ["apps", "extensions"],
    why: "its pods go with it; a fixed name makes the replacement delete them before new ones exist",
  },
  {
    kind: "StatefulSet",
    groups: ["apps"],
    why: "its pods go with it, and new pods with the same identities start only after the old ones are gone",
  },
  {
    kind: "DaemonSet",
    groups: ["apps", "extensions"],
    why: "its pod on every node goes with it (node agents: networking, logs, proxies)",
  },
  {
    kind: "Service",
    groups: ["core"],
    why: "its cluster IP and DNS name stop answering; the replacement gets a new cluster IP",
  },
  {
    kind: "Ingress",
    groups: ["networking.k8s.io", "extensions"],
    why: "external traffic to its hosts stops being routed until the ingress controller picks up the new one",
  },
  {
    kind: "PodDisruptionBudget",
    groups: ["policy"],
    why: "while it is gone, a node drain may evict every pod of the app at once",
  },
  {
    kind: "PersistentVolumeClaim",
    groups: ["core"],
    why: "with the usual Delete reclaim policy, its volume and the data on it are deleted",
  },
];

/**
 * The guarded kind a Pulumi type token names (`kubernetes:<group>/<version>:<Kind>`), if any.
 * Components and other providers' types never match.
 */
export function guardedKindOf(type: string): GuardedKind | undefined {
  const m = /^kubernetes:([^/:]+)\/[^/:]+:([^/:]+)$/.exec(type);
  if (!m) return undefined;
  const [, group, kind] = m;
  return GUARDED_KINDS.find((g) => g.kind === kind && g.groups.includes(group!));
}

/** The guarded kinds as prose: "Namespace, ..., PodDisruptionBudget or PersistentVolumeClaim". */
export function guardedKindsText(): string {
  const kinds = GUARDED_KINDS.map((g) => g.kind);
  return `${kinds.slice(0, -1).join(", ")} or ${kinds[kinds.length - 1]}`;
}

const DESTRUCTIVE = new Set([
  "replace",
  "create-replacement",
  "delete-replaced",
  "delete",
  "discard",
  "replaced",
]);

/** One resource the guard stops. */
export interface Offender {
  readonly urn: string;
  readonly type: string;
  readonly op: string;
  /** Properties that force the replacement, as the provider reported them. */
  readonly causes: string[];
}

/** Why a step replaces: the provider's replace keys, else the properties whose diff is a *-replace. */
export function replaceCauses(m: StepEventMetadata): string[] {
  const fromDetail = Object.entries(m.detailedDiff ?? {})
    .filter(([, d]) => String(d.diffKind).endsWith("-replace"))
    .map(([path]) => path);
  const causes = [...new Set([...(m.keys ?? []), ...fromDetail])];
  return causes.sort();
}

/**
 * Collects, from a preview's engine events, every guarded resource that would be replaced or
 * deleted, unless its URN is explicitly allowed. Steps of one resource are merged.
 */
export class ReplacementGuard {
  private readonly found = new Map<string, Offender>();

  constructor(private readonly allowed: ReadonlySet<string> = new Set()) {}

  /** Feed every engine event of the preview here. */
  readonly onEvent = (e: EngineEvent): void => {
    const m = e.resourcePreEvent?.metadata;
    if (!m || !DESTRUCTIVE.has(m.op) || !guardedKindOf(m.type)) return;
    if (this.allowed.has(m.urn)) return;
    const previous = this.found.get(m.urn);
    const causes = [...new Set([...(previous?.causes ?? []), ...replaceCauses(m)])].sort();
    const op = m.op === "delete" && !previous ? "delete" : "replace";
    this.found.set(m.urn, { urn: m.urn, type: m.type, op, causes });
  };

  /** The offenders, in URN order. */
  get offenders(): Offender[] {
    return [...this.found.values()].sort((a, b) => (a.urn < b.urn ? -1 : 1));
  }
}

/** A report of the offenders that says what to do about each. */
export function formatOffenders(offenders: readonly Offender[]): string {
  const lines = offenders.map((o) => {
    const why = o.causes.length ? ` because ${o.causes.join(", ")} changed` : "";
    const loss = guardedKindOf(o.type)?.why;
    return `  - ${o.op} ${o.urn}${why}${loss ? `\n    (${loss})` : ""}`;
  });
  return [
    `refusing to continue: ${offenders.length} resource(s) would be replaced or deleted, which drops traffic or data:`,
    ...lines,
    "Selectors and names are immutable: keep them stable (selector labels, no fixed metadata.name).",
    "If the replacement is intended, allow it explicitly with --allow <urn> (reviewable in the pipeline).",
  ].join("\n");
}
