import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Policy } from "@pulumi/policy";
import { ENVIRONMENTS } from "../src/config";
import {
  DEFAULT_ENFORCEMENT,
  ENVIRONMENT_AWARE_POLICIES,
  PACK_ARGS,
  PACK_NAME,
  POLICIES,
  policyPackConfig,
} from "../src/pack";
import { EXCEPTIONS_ANNOTATION, exemptionsOf, type PlainResource } from "../src/wiring";
import type { KubeObject } from "../src/k8s";
import {
  autonamed,
  deployment,
  goodContainer,
  goodDeploymentSpec,
  goodPodSpec,
  hpa,
  pdb,
  res,
  runResourcePolicy,
  runStackPolicy,
  service,
} from "./fixtures";

const byName = (name: string): Policy => {
  const p = POLICIES.find((x) => x.name === name);
  if (!p) throw new Error(`no policy ${name}`);
  return p;
};
const isStack = (p: Policy) => "validateStack" in p;

describe("the policy pack", () => {
  it("is named steady-zero-downtime and blocks (mandatory) unless configured otherwise", () => {
    expect(PACK_NAME).toBe("steady-zero-downtime");
    expect(PACK_ARGS.enforcementLevel).toBe("mandatory");
    expect(DEFAULT_ENFORCEMENT).toBe("mandatory");
    expect(POLICIES.every((p) => p.enforcementLevel === undefined)).toBe(true);
  });

  it("has sixteen uniquely named, kebab-case policies with a description each", () => {
    const names = POLICIES.map((p) => p.name);
    expect(names).toEqual([
      "rolling-update",
      "readiness-probe",
      "graceful-termination",
      "rollout-deadlines",
      "resource-requests",
      "restricted-security-context",
      "no-fixed-names",
      "no-delete-before-replace",
      "no-skip-await",
      "no-bare-pods",
      "minimum-replicas",
      "autoscaler-owns-replicas",
      "pod-disruption-budget",
      "service-selector",
      "no-fixed-config-map-names",
      "node-loss-eviction",
    ]);
    expect(new Set(names).size).toBe(names.length);
    for (const p of POLICIES) {
      expect(p.name).toMatch(/^[a-z]+(-[a-z]+)*$/);
      expect(p.description.length).toBeGreaterThan(20);
    }
  });

  it("never declares enforcementLevel as a config property (the engine rejects that)", () => {
    for (const p of POLICIES) {
      expect(p.configSchema?.properties.enforcementLevel).toBeUndefined();
    }
  });

  it("lets exactly the environment-dependent policies take an environment, defaulting to prod", () => {
    expect(ENVIRONMENT_AWARE_POLICIES).toEqual([
      "graceful-termination",
      "rollout-deadlines",
      "no-bare-pods",
      "minimum-replicas",
      "node-loss-eviction",
    ]);
    for (const name of ENVIRONMENT_AWARE_POLICIES) {
      const env = byName(name).configSchema!.properties.environment as Record<string, unknown>;
      expect(env).toMatchObject({
        type: "string",
        enum: ["dev", "staging", "prod"],
        default: "prod",
      });
    }
  });
});

/** A compliant stack: Deployment (3 replicas), Service, PDB, ConfigMap mounted by generated name. */
function goodStack(): PlainResource[] {
  return [deployment("web"), service("web-svc"), pdb()];
}

/** For each policy: a compliant object (resource policies) and one that breaks it, with a message fragment. */
const RESOURCE_CASES: [string, string, KubeObject, KubeObject, string][] = [
  [
    "node-loss-eviction",
    "kubernetes:apps/v1:Deployment",
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    {
      metadata: autonamed("web"),
      spec: goodDeploymentSpec({ template: { spec: goodPodSpec({ tolerations: undefined }) } }),
    },
    'Deployment "web": pods have no NoExecute toleration of node.kubernetes.io/not-ready, so they keep the cluster default of 300 s',
  ],
  [
    "rolling-update",
    "kubernetes:apps/v1:Deployment",
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    { metadata: autonamed("web"), spec: goodDeploymentSpec({ strategy: undefined }) },
    'Deployment "web": spec.strategy.rollingUpdate.maxUnavailable is not set',
  ],
  [
    "readiness-probe",
    "kubernetes:apps/v1:StatefulSet",
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    {
      metadata: autonamed("web"),
      spec: goodDeploymentSpec({
        template: {
          spec: goodPodSpec({ containers: [goodContainer({ readinessProbe: undefined })] }),
        },
      }),
    },
    'StatefulSet "web": container "app" serves port 8080 but has no readinessProbe',
  ],
  [
    "graceful-termination",
    "kubernetes:apps/v1:Deployment",
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    {
      metadata: autonamed("web"),
      spec: goodDeploymentSpec({
        template: { spec: goodPodSpec({ containers: [goodContainer({ lifecycle: undefined })] }) },
      }),
    },
    'Deployment "web": container "app" serves traffic but has no preStop delay',
  ],
  [
    "rollout-deadlines",
    "kubernetes:apps/v1:Deployment",
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    { metadata: autonamed("web"), spec: goodDeploymentSpec({ minReadySeconds: 0 }) },
    'Deployment "web": spec.minReadySeconds is 0',
  ],
  [
    "resource-requests",
    "kubernetes:core/v1:Pod",
    { metadata: autonamed("web"), spec: goodPodSpec() },
    {
      metadata: autonamed("web"),
      spec: goodPodSpec({ containers: [goodContainer({ resources: {} })] }),
    },
    'Pod "web": container "app" does not set resources.requests.cpu',
  ],
  [
    "restricted-security-context",
    "kubernetes:core/v1:Pod",
    { metadata: autonamed("web"), spec: goodPodSpec() },
    { metadata: autonamed("web"), spec: goodPodSpec({ automountServiceAccountToken: true }) },
    `Pod "web": the pod's automountServiceAccountToken is true`,
  ],
  [
    "no-fixed-names",
    "kubernetes:apps/v1:Deployment",
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    { metadata: { name: "web", namespace: "apps" }, spec: goodDeploymentSpec() },
    'Deployment "web": metadata.name is fixed to "web"',
  ],
  [
    "no-skip-await",
    "kubernetes:apps/v1:Deployment",
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    {
      metadata: { ...autonamed("web"), annotations: { "pulumi.com/skipAwait": "true" } },
      spec: goodDeploymentSpec(),
    },
    'Deployment "web": the pulumi.com/skipAwait annotation is "true"',
  ],
  [
    "no-bare-pods",
    "kubernetes:core/v1:Pod",
    // Compliant: no Pod at all; a Deployment is not this policy's business.
    { metadata: autonamed("web"), spec: goodDeploymentSpec() },
    { metadata: autonamed("web"), spec: goodPodSpec() },
    'Pod "web": is a bare Pod in prod',
  ],
];

describe.each(RESOURCE_CASES)("policy %s", (name, type, good, bad, fragment) => {
  const policy = byName(name);
  const goodType = name === "no-bare-pods" ? "kubernetes:apps/v1:Deployment" : type;

  it("passes a compliant object", () => {
    expect(runResourcePolicy(policy, goodType, "web", good)).toEqual([]);
  });

  it("reports a violating object, naming it and the fix", () => {
    const messages = runResourcePolicy(policy, type, "web", bad);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages[0]).toContain(fragment);
  });

  it(`skips an object annotated ${EXCEPTIONS_ANNOTATION}: ${name}`, () => {
    const exempt = {
      ...bad,
      metadata: {
        ...bad.metadata,
        annotations: { ...bad.metadata?.annotations, [EXCEPTIONS_ANNOTATION]: `other, ${name}` },
      },
    };
    expect(runResourcePolicy(policy, type, "web", exempt)).toEqual([]);
  });
});

describe("policy no-delete-before-replace", () => {
  const policy = byName("no-delete-before-replace");

  it("passes a Kubernetes object without the option", () => {
    expect(runResourcePolicy(policy, "kubernetes:core/v1:Service", "svc", {})).toEqual([]);
  });

  it("reports the option on any Kubernetes object", () => {
    expect(
      runResourcePolicy(
        policy,
        "kubernetes:core/v1:ConfigMap",
        "cfg",
        {},
        {
          resourceOptions: { deleteBeforeReplace: true },
        },
      ),
    ).toEqual([
      'ConfigMap "cfg": the deleteBeforeReplace resource option is set: remove it, so a replacement creates the new object before deleting the old one and nothing is missing in between',
    ]);
  });

  it("leaves resources of other providers alone", () => {
    expect(
      runResourcePolicy(
        policy,
        "aws:s3/bucket:Bucket",
        "b",
        {},
        {
          resourceOptions: { deleteBeforeReplace: true },
        },
      ),
    ).toEqual([]);
  });
});

describe("policy no-skip-await and the provider's readiness wait", () => {
  const policy = byName("no-skip-await");
  const waitFor = { "pulumi.com/waitFor": "jsonpath={.metadata.name}" };
  const object = (annotations: Record<string, string>): KubeObject => ({
    metadata: { ...autonamed("web"), annotations },
    spec: goodDeploymentSpec(),
  });

  it.each([
    ["kubernetes:apps/v1:Deployment", 'Deployment "web"'],
    ["kubernetes:apps/v1:StatefulSet", 'StatefulSet "web"'],
    ["kubernetes:apps/v1:DaemonSet", 'DaemonSet "web"'],
    ["kubernetes:batch/v1:Job", 'Job "web"'],
    ["kubernetes:apps/v1:DeploymentPatch", 'DeploymentPatch "web"'],
  ])("reports a waitFor on %s", (type, who) => {
    expect(runResourcePolicy(policy, type, "web", object(waitFor))).toEqual([
      `${who}: the pulumi.com/waitFor annotation is "jsonpath={.metadata.name}": remove it; it replaces the provider's own wait for the rollout (new pods ready and available, failing when the rollout stalls), so pulumi up could succeed while the rollout fails`,
    ]);
  });

  it("reports skipAwait on a DaemonSet and a Job too", () => {
    for (const type of ["kubernetes:apps/v1:DaemonSet", "kubernetes:batch/v1:Job"]) {
      expect(
        runResourcePolicy(policy, type, "web", object({ "pulumi.com/skipAwait": "true" })),
      ).toHaveLength(1);
    }
  });

  it("lets a Service wait for its cluster IP only, as AppDeployment does (the workload's wait proves the pods ready)", () => {
    const svc = object({ "pulumi.com/waitFor": "jsonpath={.spec.clusterIP}" });
    expect(runResourcePolicy(policy, "kubernetes:core/v1:Service", "web-svc", svc)).toEqual([]);
  });

  it("leaves kinds without a rollout wait alone", () => {
    expect(runResourcePolicy(policy, "kubernetes:core/v1:ConfigMap", "c", object(waitFor))).toEqual(
      [],
    );
  });

  it("takes the kinds whose wait must stay from its config", () => {
    const strict = { kinds: ["Deployment", "StatefulSet", "DaemonSet", "Job", "Service"] };
    expect(
      runResourcePolicy(policy, "kubernetes:core/v1:Service", "web-svc", object(waitFor), {
        config: strict,
      }),
    ).toHaveLength(1);
    expect(
      runResourcePolicy(policy, "kubernetes:batch/v1:Job", "migrate", object(waitFor), {
        config: { kinds: ["Deployment"] },
      }),
    ).toEqual([]);
  });

  it("declares the kinds in its config schema, defaulting to the workloads whose wait proves a rollout", () => {
    expect(policy.configSchema?.properties.kinds).toMatchObject({
      type: "array",
      default: ["Deployment", "StatefulSet", "DaemonSet", "Job"],
      items: { type: "string", enum: expect.arrayContaining(["Service", "Pod", "Job"]) },
    });
  });
});

describe("environment-dependent resource policies", () => {
  it("allow a bare Pod, a missing preStop and no deadlines in dev", () => {
    const dev = { config: { environment: "dev" } };
    const pod = { metadata: autonamed("p"), spec: goodPodSpec() };
    expect(
      runResourcePolicy(byName("no-bare-pods"), "kubernetes:core/v1:Pod", "p", pod, dev),
    ).toEqual([]);
    const noPreStop = {
      spec: goodDeploymentSpec({
        minReadySeconds: 0,
        progressDeadlineSeconds: undefined,
        template: { spec: goodPodSpec({ containers: [goodContainer({ lifecycle: undefined })] }) },
      }),
    };
    for (const name of ["graceful-termination", "rollout-deadlines"]) {
      expect(
        runResourcePolicy(byName(name), "kubernetes:apps/v1:Deployment", "web", noPreStop, dev),
      ).toEqual([]);
    }
  });

  it("enforce them in staging", () => {
    const staging = { config: { environment: "staging" } };
    const pod = { metadata: autonamed("p"), spec: goodPodSpec() };
    expect(
      runResourcePolicy(byName("no-bare-pods"), "kubernetes:core/v1:Pod", "p", pod, staging),
    ).toEqual([
      'Pod "p": is a bare Pod in staging: nothing recreates it when its node is drained or it is evicted; run it from a Deployment (or a StatefulSet) instead',
    ]);
  });

  it("fall back to prod for an unknown environment rather than relax", () => {
    const pod = { metadata: autonamed("p"), spec: goodPodSpec() };
    expect(
      runResourcePolicy(byName("no-bare-pods"), "kubernetes:core/v1:Pod", "p", pod, {
        config: { environment: "qa" },
      }),
    ).toHaveLength(1);
  });

  it("read the Pulumi wait from the resource's customTimeouts", () => {
    const d = { metadata: autonamed("web"), spec: goodDeploymentSpec() };
    expect(
      runResourcePolicy(byName("rollout-deadlines"), "kubernetes:apps/v1:Deployment", "web", d, {
        resourceOptions: {
          customTimeouts: { createSeconds: 60, updateSeconds: 60, deleteSeconds: 0 },
        },
      }),
    ).toEqual([
      `Deployment "web": pulumi up waits 60 s (customTimeouts) but spec.progressDeadlineSeconds is 120: set the pulumi.com/timeoutSeconds annotation to at least 120 so pulumi up reports the controller's verdict instead of giving up first`,
    ]);
  });
});

/** For each stack policy: a stack that breaks it, and a message fragment. */
const STACK_CASES: [string, () => PlainResource[], string][] = [
  [
    "minimum-replicas",
    () => [deployment("web", { replicas: 1 }), service("web-svc")],
    'Deployment "web" runs 1 replica; prod needs at least 3',
  ],
  [
    "autoscaler-owns-replicas",
    () => [deployment("web"), hpa("web-hpa", "web", 3), service("web-svc"), pdb()],
    'Deployment "web" sets spec.replicas but HorizontalPodAutoscaler "web-hpa" owns the replica count',
  ],
  [
    "pod-disruption-budget",
    () => [deployment("web"), service("web-svc")],
    'Deployment "web" runs up to 3 pods but no PodDisruptionBudget',
  ],
  [
    "service-selector",
    () => [deployment("web"), service("web-svc", { app: "typo" }), pdb()],
    'Service "web-svc" selects app=typo',
  ],
  [
    "no-fixed-config-map-names",
    () => [
      deployment("web", {
        template: {
          metadata: { labels: goodDeploymentSpec().template!.metadata!.labels },
          spec: goodPodSpec({ volumes: [{ name: "c", configMap: { name: "web-config" } }] }),
        },
      }),
      res("ConfigMap", "web-config", { metadata: { name: "web-config", namespace: "apps" } }),
      service("web-svc"),
      pdb(),
    ],
    'ConfigMap "web-config" is used by Deployment "web" under the fixed name "web-config"',
  ],
];

describe.each(STACK_CASES)("stack policy %s", (name, badStack, fragment) => {
  const policy = byName(name);

  it("passes a compliant stack", () => {
    expect(isStack(policy)).toBe(true);
    expect(runStackPolicy(policy, goodStack())).toEqual([]);
  });

  it("reports the violating resource by URN, naming it and the fix", () => {
    const resources = badStack();
    const found = runStackPolicy(policy, resources);
    expect(found).toHaveLength(1);
    expect(found[0]![0]).toContain(fragment);
    expect(resources.map((r) => r.urn)).toContain(found[0]![1]);
  });

  it(`skips a resource annotated ${EXCEPTIONS_ANNOTATION}: ${name}`, () => {
    const resources = badStack().map((r) => ({
      ...r,
      props: {
        ...r.props,
        metadata: {
          ...r.props.metadata,
          annotations: { ...r.props.metadata?.annotations, [EXCEPTIONS_ANNOTATION]: name },
        },
      },
    }));
    expect(runStackPolicy(policy, resources)).toEqual([]);
  });
});

describe("stack policy minimum-replicas config", () => {
  it("takes the environment from the policy config", () => {
    const stack = [deployment("web", { replicas: 2 }), service("web-svc"), pdb()];
    expect(runStackPolicy(byName("minimum-replicas"), stack, { environment: "staging" })).toEqual(
      [],
    );
    expect(runStackPolicy(byName("minimum-replicas"), stack, { environment: "prod" })).toHaveLength(
      1,
    );
  });

  it("lets a minimum in the config override the environment's", () => {
    const stack = [deployment("web", { replicas: 3 })];
    expect(
      runStackPolicy(byName("minimum-replicas"), stack, { environment: "prod", minimum: 4 }),
    ).toEqual([
      [
        'Deployment "web" runs 3 replicas; prod needs at least 4: set spec.replicas to 4 or more, or let a HorizontalPodAutoscaler with minReplicas 4 or more own it',
        stack[0]!.urn,
      ],
    ]);
  });
});

describe("exemptionsOf", () => {
  it.each([
    [undefined, []],
    [{}, []],
    [{ annotations: { [EXCEPTIONS_ANNOTATION]: " a, b ,,c " } }, ["a", "b", "c"]],
  ])("reads %j", (metadata, expected) => {
    expect(exemptionsOf(metadata)).toEqual(expected);
  });
});

describe("policyPackConfig", () => {
  it("sets the environment on every environment-aware policy", () => {
    expect(policyPackConfig("staging")).toEqual({
      "graceful-termination": { environment: "staging" },
      "rollout-deadlines": { environment: "staging" },
      "no-bare-pods": { environment: "staging" },
      "minimum-replicas": { environment: "staging" },
      "node-loss-eviction": { environment: "staging" },
    });
  });

  it("merges overrides: a level, properties, or a level for all", () => {
    expect(
      policyPackConfig("dev", {
        "no-bare-pods": "advisory",
        "minimum-replicas": { minimum: 2 },
        "no-skip-await": "disabled",
        all: "advisory",
      }),
    ).toEqual({
      "graceful-termination": { environment: "dev" },
      "rollout-deadlines": { environment: "dev" },
      "no-bare-pods": { environment: "dev", enforcementLevel: "advisory" },
      "minimum-replicas": { environment: "dev", minimum: 2 },
      "node-loss-eviction": { environment: "dev" },
      "no-skip-await": "disabled",
      all: "advisory",
    });
  });

  it.each(ENVIRONMENTS)("matches the shipped config/%s.json preset", (env) => {
    const file = join(__dirname, "..", "config", `${env}.json`);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(policyPackConfig(env));
  });
});
