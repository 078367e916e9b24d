import { checkRollingUpdate } from "../src/rules/rolling-update";
import {
  checkRolloutDeadlines,
  pulumiWait,
  PROVIDER_DEFAULT_WAIT_SECONDS,
} from "../src/rules/rollout-deadlines";
import { checkGeneratedName, hasFixedName } from "../src/rules/no-fixed-names";
import { awaitedKindOf, checkSkipAwait, checkWaitFor } from "../src/rules/no-skip-await";
import { checkDeleteBeforeReplace } from "../src/rules/no-delete-before-replace";
import { goodDeploymentSpec } from "./fixtures";

const UNAVAILABLE = (shown: string) =>
  `spec.strategy.rollingUpdate.maxUnavailable is ${shown}: set it to 0 so a rollout never drops below the desired number of ready pods`;
const SURGE = (shown: string) =>
  `spec.strategy.rollingUpdate.maxSurge is ${shown}: set it to 1 or more so new pods start before old ones stop`;
const DEFAULTED = 'not set (Kubernetes defaults it to "25%")';

describe("rolling-update: checkRollingUpdate", () => {
  describe.each([
    ["maxUnavailable 0 and maxSurge 1", { maxSurge: 1, maxUnavailable: 0 }],
    ["maxUnavailable 0% and maxSurge 25%", { maxSurge: "25%", maxUnavailable: "0%" }],
    ["maxUnavailable 0 and the default maxSurge", { maxUnavailable: 0 }],
    ["maxUnavailable 0 and maxSurge 3", { maxSurge: 3, maxUnavailable: 0 }],
  ])("with %s", (_, rollingUpdate) => {
    it("accepts the strategy", () => {
      expect(
        checkRollingUpdate(
          goodDeploymentSpec({ strategy: { type: "RollingUpdate", rollingUpdate } }),
        ),
      ).toEqual([]);
    });
  });

  describe.each([
    ["no strategy at all (Kubernetes' 25%/25%)", undefined, [UNAVAILABLE(DEFAULTED)]],
    [
      "a RollingUpdate without rollingUpdate settings",
      { type: "RollingUpdate" },
      [UNAVAILABLE(DEFAULTED)],
    ],
    [
      'maxUnavailable "25%"',
      { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: "25%" } },
      [UNAVAILABLE('"25%"')],
    ],
    [
      "maxUnavailable 1",
      { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } },
      [UNAVAILABLE("1")],
    ],
    [
      "maxSurge 0",
      { type: "RollingUpdate", rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
      [SURGE("0")],
    ],
    [
      'maxSurge "0%" and maxUnavailable "50%"',
      { type: "RollingUpdate", rollingUpdate: { maxSurge: "0%", maxUnavailable: "50%" } },
      [UNAVAILABLE('"50%"'), SURGE('"0%"')],
    ],
    [
      "the Recreate strategy",
      { type: "Recreate" },
      [
        'spec.strategy.type is "Recreate", which stops every old pod before starting new ones: use type RollingUpdate with maxUnavailable 0 and maxSurge 1',
      ],
    ],
  ])("with %s", (_, strategy, expected) => {
    it("reports exactly what drops capacity", () => {
      expect(checkRollingUpdate({ ...goodDeploymentSpec(), strategy })).toEqual(expected);
    });
  });
});

describe("rollout-deadlines: checkRolloutDeadlines", () => {
  const wait = { seconds: 150, source: "the pulumi.com/timeoutSeconds annotation" };

  it("accepts minReadySeconds 5, a deadline of 120 s and a wait of 150 s", () => {
    expect(checkRolloutDeadlines("Deployment", goodDeploymentSpec(), wait)).toEqual([]);
  });

  it("accepts a wait exactly as long as the deadline", () => {
    expect(
      checkRolloutDeadlines("Deployment", goodDeploymentSpec(), { seconds: 120, source: "x" }),
    ).toEqual([]);
  });

  describe.each([
    [
      "minReadySeconds not set",
      { minReadySeconds: undefined },
      [
        "spec.minReadySeconds is not set: set it above 0 (e.g. 5) so a pod that crashes right after turning Ready does not count as available",
      ],
    ],
    [
      "minReadySeconds 0",
      { minReadySeconds: 0 },
      [
        "spec.minReadySeconds is 0: set it above 0 (e.g. 5) so a pod that crashes right after turning Ready does not count as available",
      ],
    ],
    [
      "no progress deadline",
      { progressDeadlineSeconds: undefined },
      [
        "spec.progressDeadlineSeconds is not set: set it (e.g. 120) so a stalled rollout is marked failed, and keep the pulumi.com/timeoutSeconds annotation at least that long",
      ],
    ],
    [
      "a progress deadline longer than the Pulumi wait",
      { progressDeadlineSeconds: 300 },
      [
        "pulumi up waits 150 s (the pulumi.com/timeoutSeconds annotation) but spec.progressDeadlineSeconds is 300: set the pulumi.com/timeoutSeconds annotation to at least 300 so pulumi up reports the controller's verdict instead of giving up first",
      ],
    ],
  ])("a Deployment with %s", (_, overrides, expected) => {
    it("is reported with the fix", () => {
      expect(
        checkRolloutDeadlines("Deployment", { ...goodDeploymentSpec(), ...overrides }, wait),
      ).toEqual(expected);
    });
  });

  it("checks only minReadySeconds on a StatefulSet, which has no progress deadline", () => {
    expect(
      checkRolloutDeadlines(
        "StatefulSet",
        { ...goodDeploymentSpec(), minReadySeconds: 0, progressDeadlineSeconds: undefined },
        wait,
      ),
    ).toEqual([
      "spec.minReadySeconds is 0: set it above 0 (e.g. 5) so a pod that crashes right after turning Ready does not count as available",
    ]);
  });
});

describe("rollout-deadlines: pulumiWait", () => {
  it.each([
    [
      "the annotation wins over customTimeouts",
      { "pulumi.com/timeoutSeconds": "150" },
      { createSeconds: 60, updateSeconds: 60 },
      { seconds: 150, source: "the pulumi.com/timeoutSeconds annotation" },
    ],
    [
      "the shorter of the create and update timeouts",
      undefined,
      { createSeconds: 300, updateSeconds: 90, deleteSeconds: 0 },
      { seconds: 90, source: "customTimeouts" },
    ],
    [
      "the provider's default when nothing is set",
      {},
      { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      { seconds: PROVIDER_DEFAULT_WAIT_SECONDS, source: "the provider's default" },
    ],
    [
      "the provider's default when the annotation is not a number",
      { "pulumi.com/timeoutSeconds": "soon" },
      undefined,
      { seconds: 600, source: "the provider's default" },
    ],
  ])("takes %s", (_, annotations, timeouts, expected) => {
    expect(pulumiWait(annotations, timeouts)).toEqual(expected);
  });
});

describe("no-fixed-names: checkGeneratedName", () => {
  it.each([
    ["no metadata.name (the program's own input)", { namespace: "apps" }],
    [
      "a name the provider generated",
      { name: "web-1a2b3c4d", annotations: { "pulumi.com/autonamed": "true" } },
    ],
    ["an empty name", { name: "" }],
    ["no metadata at all", undefined],
  ])("accepts %s", (_, metadata) => {
    expect(checkGeneratedName(metadata)).toEqual([]);
  });

  it.each([
    ["a name without the provider's annotation", { name: "web" }],
    [
      "a name whose autonamed annotation is not true",
      { name: "web", annotations: { "pulumi.com/autonamed": "false" } },
    ],
    ["a name that merely looks generated", { name: "web-1a2b3c4d", annotations: { other: "x" } }],
  ])("reports %s", (_, metadata) => {
    expect(checkGeneratedName(metadata)).toEqual([
      `metadata.name is fixed to "${metadata.name}": remove it and let Pulumi generate the name, so a replacement creates the new object before deleting the old one`,
    ]);
    expect(hasFixedName(metadata)).toBe(true);
  });
});

describe("no-skip-await: checkSkipAwait", () => {
  it.each([
    ["no annotations", {}],
    ["skipAwait false", { annotations: { "pulumi.com/skipAwait": "false" } }],
    ["other annotations", { annotations: { "pulumi.com/timeoutSeconds": "150" } }],
  ])("accepts %s", (_, metadata) => {
    expect(checkSkipAwait(metadata)).toEqual([]);
  });

  it.each([["true"], ["True"]])('reports skipAwait "%s"', (value) => {
    expect(checkSkipAwait({ annotations: { "pulumi.com/skipAwait": value } })).toEqual([
      `the pulumi.com/skipAwait annotation is "${value}": remove it so pulumi up waits until the rollout is complete and healthy, and fails when it stalls`,
    ]);
  });
});

describe("no-skip-await: checkWaitFor", () => {
  it.each([
    ["no annotations", {}],
    // The provider treats an empty waitFor as none and keeps its own wait.
    ["an empty waitFor", { annotations: { "pulumi.com/waitFor": "" } }],
    ["other annotations", { annotations: { "pulumi.com/timeoutSeconds": "150" } }],
  ])("accepts %s", (_, metadata) => {
    expect(checkWaitFor(metadata)).toEqual([]);
  });

  it.each([["jsonpath={.metadata.name}"], ["condition=Available"], ['["condition=Available"]']])(
    'reports waitFor "%s"',
    (value) => {
      expect(checkWaitFor({ annotations: { "pulumi.com/waitFor": value } })).toEqual([
        `the pulumi.com/waitFor annotation is "${value}": remove it; it replaces the provider's own wait for the rollout (new pods ready and available, failing when the rollout stalls), so pulumi up could succeed while the rollout fails`,
      ]);
    },
  );
});

describe("no-skip-await: awaitedKindOf", () => {
  it.each([
    ["kubernetes:apps/v1:Deployment", "Deployment"],
    ["kubernetes:apps/v1beta2:Deployment", "Deployment"],
    ["kubernetes:extensions/v1beta1:Deployment", "Deployment"],
    // A Patch's annotations land on the live object, whose wait they then replace.
    ["kubernetes:apps/v1:DeploymentPatch", "Deployment"],
    ["kubernetes:apps/v1:StatefulSet", "StatefulSet"],
    ["kubernetes:apps/v1:DaemonSet", "DaemonSet"],
    ["kubernetes:batch/v1:Job", "Job"],
    ["kubernetes:core/v1:Service", "Service"],
    ["kubernetes:networking.k8s.io/v1:Ingress", "Ingress"],
    ["kubernetes:core/v1:ConfigMap", undefined],
    ["kubernetes:example.com/v1:Deployment", undefined],
    ["kubernetes:yaml/v2:ConfigGroup", undefined],
    ["steady:deployment:AppDeployment", undefined],
  ])("%s is %s", (type, kind) => {
    expect(awaitedKindOf(type)).toBe(kind);
  });
});

describe("no-delete-before-replace: checkDeleteBeforeReplace", () => {
  it.each([
    ["no option", {}],
    ["deleteBeforeReplace false", { deleteBeforeReplace: false }],
  ])("accepts %s", (_, opts) => {
    expect(checkDeleteBeforeReplace(opts)).toEqual([]);
  });

  it("reports deleteBeforeReplace true", () => {
    expect(checkDeleteBeforeReplace({ deleteBeforeReplace: true })).toEqual([
      "the deleteBeforeReplace resource option is set: remove it, so a replacement creates the new object before deleting the old one and nothing is missing in between",
    ]);
  });
});
