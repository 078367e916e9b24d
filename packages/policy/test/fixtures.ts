import type {
  Policy,
  PolicyResourceOptions,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from "@pulumi/policy";
import type { Container, KubeObject, PodSpec, WorkloadSpec } from "../src/k8s";
import type { PlainResource } from "../src/wiring";

/** A container that passes every container rule. */
export function goodContainer(overrides: Partial<Container> = {}): Container {
  return {
    name: "app",
    image: "example.com/app:1",
    ports: [{ name: "http", containerPort: 8080 }],
    readinessProbe: { httpGet: { path: "/readyz", port: "http" } },
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { memory: "128Mi" } },
    lifecycle: { preStop: { sleep: { seconds: 5 } } },
    securityContext: {
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    },
    ...overrides,
  };
}

/** A pod spec that passes every pod rule. */
export function goodPodSpec(overrides: Partial<PodSpec> = {}): PodSpec {
  return {
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: 20,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    },
    containers: [goodContainer()],
    tolerations: [
      {
        key: "node.kubernetes.io/not-ready",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 30,
      },
      {
        key: "node.kubernetes.io/unreachable",
        operator: "Exists",
        effect: "NoExecute",
        tolerationSeconds: 30,
      },
    ],
    ...overrides,
  };
}

/** Labels of the example app's pods. */
export const POD_LABELS = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };

/** A Deployment spec that passes every rule in every environment. */
export function goodDeploymentSpec(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return {
    replicas: 3,
    selector: { matchLabels: POD_LABELS },
    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    minReadySeconds: 5,
    progressDeadlineSeconds: 120,
    template: { metadata: { labels: { ...POD_LABELS, version: "v1" } }, spec: goodPodSpec() },
    ...overrides,
  };
}

/** Metadata the Kubernetes provider fills in for an auto-named object `name`. */
export function autonamed(name: string, namespace = "apps") {
  return {
    name: `${name}-1a2b3c4d`,
    namespace,
    annotations: { "pulumi.com/autonamed": "true" },
  };
}

const TYPE_OF = {
  Deployment: "kubernetes:apps/v1:Deployment",
  StatefulSet: "kubernetes:apps/v1:StatefulSet",
  Pod: "kubernetes:core/v1:Pod",
  Service: "kubernetes:core/v1:Service",
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  PodDisruptionBudget: "kubernetes:policy/v1:PodDisruptionBudget",
  HorizontalPodAutoscaler: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
} as const;

/** A plain stack resource of `kind` named `name`. */
export function res(kind: keyof typeof TYPE_OF, name: string, props: KubeObject): PlainResource {
  const type = TYPE_OF[kind];
  return { type, name, urn: `urn:pulumi:prod::app::${type}::${name}`, props };
}

/** An auto-named, compliant Deployment resource `name` with `replicas`. */
export function deployment(name: string, spec: Partial<WorkloadSpec> = {}): PlainResource {
  return res("Deployment", name, { metadata: autonamed(name), spec: goodDeploymentSpec(spec) });
}

/** A PodDisruptionBudget selecting the example pods. */
export function pdb(name = "web-pdb", matchLabels: Record<string, string> = POD_LABELS) {
  return res("PodDisruptionBudget", name, {
    metadata: autonamed(name),
    spec: { selector: { matchLabels }, maxUnavailable: 1 },
  });
}

/** An autoscaler targeting Deployment `target` (its generated name). */
export function hpa(name: string, target: string, minReplicas?: number, maxReplicas = 6) {
  return res("HorizontalPodAutoscaler", name, {
    metadata: autonamed(name),
    spec: {
      ...(minReplicas !== undefined ? { minReplicas } : {}),
      maxReplicas,
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: `${target}-1a2b3c4d` },
    },
  });
}

/** A Service selecting `selector`. */
export function service(name: string, selector: Record<string, string> = POD_LABELS) {
  return res("Service", name, {
    metadata: autonamed(name),
    spec: { selector, ports: [{ port: 80, targetPort: "http" }] },
  });
}

const NO_OPTS: PolicyResourceOptions = {
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
};

/** Runs a resource policy the way the engine does, returning every reported message. */
export function runResourcePolicy(
  policy: Policy,
  type: string,
  name: string,
  props: KubeObject,
  opts: { config?: Record<string, unknown>; resourceOptions?: Partial<PolicyResourceOptions> } = {},
): string[] {
  const p = policy as ResourceValidationPolicy;
  const messages: string[] = [];
  const validations = Array.isArray(p.validateResource)
    ? p.validateResource
    : p.validateResource
      ? [p.validateResource]
      : [];
  for (const validate of validations) {
    void validate(
      {
        type,
        name,
        urn: `urn:pulumi:prod::app::${type}::${name}`,
        props,
        opts: { ...NO_OPTS, ...opts.resourceOptions },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => (opts.config ?? {}) as T,
        notApplicable: () => {
          throw new Error("not applicable");
        },
      },
      (message) => messages.push(message),
    );
  }
  return messages;
}

/** Runs a stack policy the way the engine does, returning every reported `[message, urn]`. */
export function runStackPolicy(
  policy: Policy,
  resources: readonly PlainResource[],
  config: Record<string, unknown> = {},
): [string, string | undefined][] {
  const p = policy as StackValidationPolicy;
  const out: [string, string | undefined][] = [];
  void p.validateStack(
    {
      resources: resources.map((r) => ({
        ...r,
        opts: NO_OPTS,
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
      })),
      stackTags: new Map(),
      getConfig: <T extends object>() => config as T,
      notApplicable: () => {
        throw new Error("not applicable");
      },
    },
    (message, urn) => out.push([message, urn]),
  );
  return out;
}
