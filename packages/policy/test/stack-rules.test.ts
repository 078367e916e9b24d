import { checkMinimumReplicas } from "../src/rules/minimum-replicas";
import { checkAutoscalerOwnsReplicas } from "../src/rules/autoscaler-owns-replicas";
import { checkPodDisruptionBudgets } from "../src/rules/pod-disruption-budget";
import { checkServiceSelectors } from "../src/rules/service-selector";
import { checkConfigMapNames, configMapsOf } from "../src/rules/no-fixed-names";
import type { PlainResource } from "../src/wiring";
import {
  autonamed,
  deployment,
  goodDeploymentSpec,
  goodPodSpec,
  hpa,
  pdb,
  POD_LABELS,
  res,
  service,
} from "./fixtures";

const urn = (r: PlainResource) => r.urn;

describe("minimum-replicas: checkMinimumReplicas", () => {
  describe.each([
    ["dev", 1],
    ["staging", 2],
    ["prod", 3],
  ] as const)("in %s (minimum %i)", (env, minimum) => {
    it("accepts exactly the minimum", () => {
      expect(checkMinimumReplicas([deployment("web", { replicas: minimum })], env)).toEqual([]);
    });

    it("accepts an autoscaler whose minReplicas is the minimum, with no spec.replicas", () => {
      const resources = [
        deployment("web", { replicas: undefined }),
        hpa("web-hpa", "web", minimum),
      ];
      expect(checkMinimumReplicas(resources, env)).toEqual([]);
    });
  });

  it.each([
    [
      "staging",
      { replicas: 1 },
      'Deployment "web" runs 1 replica; staging needs at least 2: set spec.replicas to 2 or more, or let a HorizontalPodAutoscaler with minReplicas 2 or more own it',
    ],
    [
      "prod",
      { replicas: undefined },
      'Deployment "web" runs 1 replica (spec.replicas is not set); prod needs at least 3: set spec.replicas to 3 or more, or let a HorizontalPodAutoscaler with minReplicas 3 or more own it',
    ],
    [
      "prod",
      { replicas: 2 },
      'Deployment "web" runs 2 replicas; prod needs at least 3: set spec.replicas to 3 or more, or let a HorizontalPodAutoscaler with minReplicas 3 or more own it',
    ],
  ] as const)("in %s reports a Deployment with %j", (env, spec, message) => {
    const web = deployment("web", spec);
    expect(checkMinimumReplicas([web], env)).toEqual([{ urn: urn(web), message }]);
  });

  it("counts the autoscaler's minReplicas, not spec.replicas", () => {
    const web = deployment("web", { replicas: 5 });
    expect(checkMinimumReplicas([web, hpa("web-hpa", "web", 2)], "prod")).toEqual([
      {
        urn: urn(web),
        message:
          'Deployment "web" is scaled by HorizontalPodAutoscaler "web-hpa" down to 2 replicas; prod needs at least 3: set the autoscaler\'s minReplicas to 3 or more',
      },
    ]);
  });

  it("treats an autoscaler without minReplicas as 1", () => {
    const web = deployment("web", { replicas: undefined });
    expect(checkMinimumReplicas([web, hpa("web-hpa", "web")], "staging")).toHaveLength(1);
  });

  it("ignores an autoscaler that targets another Deployment", () => {
    const web = deployment("web", { replicas: 1 });
    expect(checkMinimumReplicas([web, hpa("other-hpa", "other", 3)], "prod")).toHaveLength(1);
  });

  it("applies to StatefulSets, and honours an explicit minimum", () => {
    const db = res("StatefulSet", "db", {
      metadata: { name: "db", namespace: "apps" },
      spec: { ...goodDeploymentSpec(), replicas: 3 },
    });
    expect(checkMinimumReplicas([db], "prod", 5)).toEqual([
      {
        urn: urn(db),
        message:
          'StatefulSet "db" runs 3 replicas; prod needs at least 5: set spec.replicas to 5 or more, or let a HorizontalPodAutoscaler with minReplicas 5 or more own it',
      },
    ]);
  });
});

describe("autoscaler-owns-replicas: checkAutoscalerOwnsReplicas", () => {
  const MESSAGE =
    'Deployment "web" sets spec.replicas but HorizontalPodAutoscaler "web-hpa" owns the replica count: remove spec.replicas, or every pulumi up resets the autoscaler\'s choice';

  it("accepts a Deployment without spec.replicas under an autoscaler", () => {
    expect(
      checkAutoscalerOwnsReplicas([
        deployment("web", { replicas: undefined }),
        hpa("web-hpa", "web", 3),
      ]),
    ).toEqual([]);
  });

  it("accepts spec.replicas on a Deployment no autoscaler targets", () => {
    expect(checkAutoscalerOwnsReplicas([deployment("web", { replicas: 3 })])).toEqual([]);
  });

  it("reports spec.replicas in the program's input under an autoscaler", () => {
    const web = deployment("web", { replicas: 3 });
    expect(checkAutoscalerOwnsReplicas([web, hpa("web-hpa", "web", 3)])).toEqual([
      { urn: urn(web), message: MESSAGE },
    ]);
  });

  describe("on an object the API server returned (with managedFields)", () => {
    const live = (fieldsV1: Record<string, unknown>, manager = "pulumi-kubernetes-6a757304") =>
      res("Deployment", "web", {
        metadata: {
          ...autonamed("web"),
          managedFields: [
            { manager, operation: "Apply", fieldsV1: { "f:spec": fieldsV1 } },
            {
              manager: "kube-controller-manager",
              operation: "Update",
              subresource: "scale",
              fieldsV1: { "f:spec": { "f:replicas": {} } },
            },
          ],
        },
        spec: goodDeploymentSpec({ replicas: 4 }),
      });

    it("accepts a defaulted spec.replicas that Pulumi's field manager does not own", () => {
      expect(
        checkAutoscalerOwnsReplicas([live({ "f:template": {} }), hpa("web-hpa", "web", 3)]),
      ).toEqual([]);
    });

    it("reports spec.replicas owned by Pulumi's field manager", () => {
      const web = live({ "f:replicas": {}, "f:template": {} });
      expect(checkAutoscalerOwnsReplicas([web, hpa("web-hpa", "web", 3)])).toEqual([
        { urn: urn(web), message: MESSAGE },
      ]);
    });
  });
});

describe("pod-disruption-budget: checkPodDisruptionBudgets", () => {
  const uncovered = (
    most: number,
    labels = "app.kubernetes.io/name=web,app.kubernetes.io/instance=web,version=v1",
  ) =>
    `Deployment "web" runs up to ${most} pods but no PodDisruptionBudget in its namespace selects them (pod labels ${labels}): add one whose selector matches the pod template labels, with maxUnavailable 1, so node drains evict one pod at a time`;

  it.each([
    ["a single-replica Deployment without a budget", [deployment("web", { replicas: 1 })]],
    ["a Deployment with a matching budget", [deployment("web"), pdb()]],
    [
      "a budget that selects with a subset of the labels",
      [deployment("web"), pdb("web-pdb", { "app.kubernetes.io/name": "web" })],
    ],
    [
      "a budget that selects with matchExpressions",
      [
        deployment("web"),
        res("PodDisruptionBudget", "web-pdb", {
          metadata: autonamed("web-pdb"),
          spec: {
            maxUnavailable: 1,
            selector: {
              matchExpressions: [
                { key: "app.kubernetes.io/name", operator: "In", values: ["web", "api"] },
              ],
            },
          },
        }),
      ],
    ],
    [
      "an autoscaled Deployment with a budget",
      [deployment("web", { replicas: undefined }), hpa("h", "web", 3), pdb()],
    ],
  ])("accepts %s", (_, resources) => {
    expect(checkPodDisruptionBudgets(resources)).toEqual([]);
  });

  it.each([
    ["a 3-replica Deployment without a budget", [deployment("web")], 3],
    [
      "a budget whose selector asks for a label the pods lack",
      [deployment("web"), pdb("web-pdb", { ...POD_LABELS, tier: "frontend" })],
      3,
    ],
    [
      "a budget in another namespace",
      [
        deployment("web"),
        res("PodDisruptionBudget", "web-pdb", {
          metadata: autonamed("web-pdb", "other"),
          spec: { selector: { matchLabels: POD_LABELS }, maxUnavailable: 1 },
        }),
      ],
      3,
    ],
    [
      "an autoscaled Deployment (min 1, max 4) without a budget",
      [deployment("web", { replicas: undefined }), hpa("h", "web", 1, 4)],
      4,
    ],
  ])("reports %s", (_, resources, most) => {
    expect(checkPodDisruptionBudgets(resources)).toEqual([
      { urn: urn(resources[0]!), message: uncovered(most) },
    ]);
  });
});

describe("service-selector: checkServiceSelectors", () => {
  it.each([
    ["a Service selecting the Deployment's pods", [deployment("web"), service("web-svc")]],
    [
      "a Service selecting a subset of the labels",
      [deployment("web"), service("web-svc", { "app.kubernetes.io/name": "web" })],
    ],
    [
      "a Service selecting a bare Pod",
      [
        res("Pod", "debug", {
          metadata: { ...autonamed("debug"), labels: { app: "debug" } },
          spec: goodPodSpec(),
        }),
        service("debug-svc", { app: "debug" }),
      ],
    ],
    [
      "a Service without a selector",
      [
        res("Service", "external", {
          metadata: autonamed("external"),
          spec: { type: "ExternalName" },
        }),
      ],
    ],
  ])("accepts %s", (_, resources) => {
    expect(checkServiceSelectors(resources)).toEqual([]);
  });

  it.each([
    [
      "a selector that matches no pods",
      [deployment("web"), service("web-svc", { app: "nothing" })],
      "app=nothing",
    ],
    [
      "a selector with one label too many",
      [deployment("web"), service("web-svc", { ...POD_LABELS, tier: "x" })],
      "app.kubernetes.io/name=web,app.kubernetes.io/instance=web,tier=x",
    ],
    [
      "a selector and no workload at all",
      [service("web-svc")],
      "app.kubernetes.io/name=web,app.kubernetes.io/instance=web",
    ],
  ])("reports %s", (_, resources, shown) => {
    const svc = resources.find((r) => r.name === "web-svc")!;
    expect(checkServiceSelectors(resources)).toEqual([
      {
        urn: svc.urn,
        message: `Service "web-svc" selects ${shown} but no Deployment, StatefulSet or Pod in its namespace has pods with those labels: make the selector a subset of the pod template labels, or the Service has no endpoints`,
      },
    ]);
  });
});

describe("no-fixed-config-map-names: checkConfigMapNames", () => {
  const mounting = (cmName: string) =>
    deployment("web", {
      template: {
        metadata: { labels: POD_LABELS },
        spec: goodPodSpec({ volumes: [{ name: "config", configMap: { name: cmName } }] }),
      },
    });

  it("accepts a generated ConfigMap name", () => {
    const cm = res("ConfigMap", "web-config", { metadata: autonamed("web-config"), data: {} });
    expect(checkConfigMapNames([mounting("web-config-1a2b3c4d"), cm])).toEqual([]);
  });

  it("ignores a fixed-name ConfigMap that no workload uses", () => {
    const cm = res("ConfigMap", "settings", { metadata: { name: "settings", namespace: "apps" } });
    expect(checkConfigMapNames([deployment("web"), cm])).toEqual([]);
  });

  it("ignores a mounted ConfigMap that the stack does not manage", () => {
    expect(checkConfigMapNames([mounting("kube-root-ca.crt")])).toEqual([]);
  });

  it("reports a mounted ConfigMap with a fixed name, once", () => {
    const cm = res("ConfigMap", "web-config", {
      metadata: { name: "web-config", namespace: "apps" },
    });
    const other = res("Deployment", "web2", {
      metadata: autonamed("web2"),
      spec: mounting("web-config").props.spec,
    });
    expect(checkConfigMapNames([mounting("web-config"), other, cm])).toEqual([
      {
        urn: cm.urn,
        message:
          'ConfigMap "web-config" is used by Deployment "web" under the fixed name "web-config": remove metadata.name so Pulumi generates it; a config change then creates a new ConfigMap and rolls out the pods before the old one is deleted',
      },
    ]);
  });

  it("finds ConfigMaps in volumes, projected volumes, envFrom and env", () => {
    expect(
      configMapsOf({
        volumes: [
          { name: "a", configMap: { name: "vol" } },
          { name: "b", projected: { sources: [{ configMap: { name: "projected" } }] } },
        ],
        initContainers: [{ envFrom: [{ configMapRef: { name: "init-env" } }] }],
        containers: [
          { env: [{ valueFrom: { configMapKeyRef: { name: "key" } } }, {}] },
          { envFrom: [{ configMapRef: { name: "vol" } }] },
        ],
      }),
    ).toEqual(["vol", "projected", "init-env", "key"]);
  });
});
