import * as pulumi from "@pulumi/pulumi";
import { createHash } from "node:crypto";

/** A resource the mocked engine was asked to register. */
export interface RecordedResource {
  /** Type token, e.g. `kubernetes:apps/v1:Deployment`. */
  readonly type: string;
  /** Logical (Pulumi) name. */
  readonly name: string;
  /** Inputs as the program passed them, with Outputs resolved. */
  readonly inputs: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** State the mock returned: the inputs plus what the provider would fill in (auto-names). */
  readonly state: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Whether it is a custom (provider) resource rather than a component. */
  readonly custom: boolean;
  /** Reference to the provider resource used, when not the default one. */
  readonly provider?: string;
}

/** Kubernetes kinds that live outside namespaces, so the mock gives them no default namespace. */
const CLUSTER_SCOPED = new Set([
  "kubernetes:core/v1:Namespace",
  "kubernetes:core/v1:Node",
  "kubernetes:core/v1:PersistentVolume",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  "kubernetes:storage.k8s.io/v1:StorageClass",
  "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition",
]);

/**
 * The suffix the mock appends when auto-naming: deterministic (so snapshots are stable), 8 hex
 * characters like the provider's random suffix.
 */
export function mockSuffix(type: string, name: string): string {
  return createHash("sha256").update(`${type}::${name}`).digest("hex").slice(0, 8);
}

/** The recorder returned by {@link setupMocks}. */
export interface MockRecorder {
  /** Every resource registered so far, in registration order. */
  readonly resources: RecordedResource[];
  /** Resources of one type token. */
  ofType(type: string): RecordedResource[];
  /** The one resource with this type and name; throws when there is none or more than one. */
  get(type: string, name: string): RecordedResource;
  /** URNs of everything registered so far (they encode each resource's parent chain). */
  urns(): string[];
  /** Waits until registrations stop arriving, so assertions see the whole program. */
  settle(): Promise<void>;
  /** Forgets what was recorded (between tests). */
  reset(): void;
}

/**
 * The state the mocked engine returns for a new resource: its inputs, plus what the real engine
 * would fill in: a stack reference's outputs, and a Kubernetes object's generated name and
 * default namespace.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- mocked state is untyped JSON */
function mockedState(
  args: pulumi.runtime.MockResourceArgs,
  stackReferences: Record<string, Record<string, unknown>> | undefined,
): Record<string, any> {
  const state: Record<string, any> = structuredClone(args.inputs ?? {});
  if (args.type === "pulumi:pulumi:StackReference") {
    const outputs = stackReferences?.[args.inputs.name];
    if (!outputs) throw new Error(`no mocked outputs for stack reference ${args.inputs.name}`);
    state.outputs = outputs;
    state.secretOutputNames = [];
  }
  if (args.type.startsWith("kubernetes:") && !args.type.startsWith("kubernetes:helm")) {
    const metadata = { ...(state.metadata ?? {}) };
    if (metadata.name === undefined)
      metadata.name = `${args.name}-${mockSuffix(args.type, args.name)}`;
    if (metadata.namespace === undefined && !CLUSTER_SCOPED.has(args.type))
      metadata.namespace = "default";
    state.metadata = metadata;
  }
  return state;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** The recorder over the registered `resources`; `lastChange` counts registrations so far. */
function recorderOf(resources: RecordedResource[], lastChange: () => number): MockRecorder {
  return {
    resources,
    ofType: (type) => resources.filter((r) => r.type === type),
    get(type, name) {
      const found = resources.filter((r) => r.type === type && r.name === name);
      if (found.length !== 1) {
        const known = resources.map((r) => `${r.type}::${r.name}`).join("\n  ");
        throw new Error(
          `expected one ${type} named ${name}, found ${found.length}; registered:\n  ${known}`,
        );
      }
      return found[0]!;
    },
    urns() {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const monitor = pulumi.runtime.getMonitor() as any;
      return [...(monitor?.getRegisteredResources?.() ?? new Map()).keys()];
    },
    async settle() {
      // Registrations arrive over several turns of the event loop; wait until a quiet stretch.
      let quiet = 0;
      let seen = lastChange();
      while (quiet < 25) {
        await new Promise((r) => setTimeout(r, 2));
        if (lastChange() === seen) quiet += 1;
        else {
          quiet = 0;
          seen = lastChange();
        }
      }
    },
    reset() {
      resources.length = 0;
    },
  };
}

/**
 * Puts the Pulumi runtime in mock mode and records every registered resource.
 *
 * Unlike bare `setMocks`, Kubernetes objects without `metadata.name` get a name the way the
 * provider's auto-naming would (`<name>-<8 hex>`), and namespaced ones default to `default`, so
 * code that reads `metadata.name` sees a realistic value. Mocks still do not run transforms, call
 * the API server or enforce admission: that is what the integration tier is for.
 */
export function setupMocks(
  opts: {
    project?: string;
    stack?: string;
    preview?: boolean;
    /** Outputs that `StackReference`s by these names return. */
    stackReferences?: Record<string, Record<string, unknown>>;
  } = {},
): MockRecorder {
  const resources: RecordedResource[] = [];
  let lastChange = 0;
  let counter = 0;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        counter += 1;
        lastChange = counter;
        const state = mockedState(args, opts.stackReferences);
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs ?? {},
          state,
          custom: args.custom ?? true,
          ...(args.provider ? { provider: args.provider } : {}),
        });
        const id =
          [state.metadata?.namespace, state.metadata?.name].filter(Boolean).join("/") ||
          `${args.name}-id`;
        return { id, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    opts.project ?? "project",
    opts.stack ?? "stack",
    opts.preview ?? false,
  );
  return recorderOf(resources, () => lastChange);
}

/** Resolves an Output (or a plain value) to its value; unknown values during preview resolve to `undefined`. */
export async function promiseOf<T>(value: pulumi.Input<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const o = pulumi.output(value) as any;
  return (await o.isKnown) ? ((await o.promise()) as T) : (undefined as T);
}
