import { checkReadinessProbes } from "../src/rules/readiness-probe";
import { checkGracefulTermination, preStopSleepSeconds } from "../src/rules/graceful-termination";
import { checkResourceRequests } from "../src/rules/resource-requests";
import { checkRestrictedSecurityContext } from "../src/rules/restricted-security-context";
import { checkBarePod } from "../src/rules/no-bare-pods";
import { checkNodeLossEviction, nodeLossEvictionPolicy } from "../src/rules/node-loss-eviction";
import { TYPES, type Container, type Toleration } from "../src/k8s";
import { goodContainer, goodDeploymentSpec, goodPodSpec, runResourcePolicy } from "./fixtures";

describe("readiness-probe: checkReadinessProbes", () => {
  it.each([
    ["a serving container with a readiness probe", [goodContainer()]],
    ["a container without ports and without a probe", [{ name: "worker", image: "w:1" }]],
    ["a container with an empty port list", [{ name: "worker", ports: [] }]],
  ])("accepts %s", (_, containers) => {
    expect(checkReadinessProbes(goodPodSpec({ containers }))).toEqual([]);
  });

  it.each([
    [
      "a serving container without a probe",
      [goodContainer({ readinessProbe: undefined })],
      [
        'container "app" serves port 8080 but has no readinessProbe: add one (e.g. httpGet on the port) so it gets traffic, and the rollout moves on, only once it is ready',
      ],
    ],
    [
      "an unnamed sidecar with two ports and no probe",
      [goodContainer(), { ports: [{ containerPort: 9090 }, { containerPort: 9091 }] }],
      [
        "container #2 serves port 9090, 9091 but has no readinessProbe: add one (e.g. httpGet on the port) so it gets traffic, and the rollout moves on, only once it is ready",
      ],
    ],
  ])("reports %s", (_, containers, expected) => {
    expect(checkReadinessProbes(goodPodSpec({ containers }))).toEqual(expected);
  });
});

describe("graceful-termination: preStopSleepSeconds", () => {
  it.each<[string, Container, number]>([
    ["the native sleep action", { lifecycle: { preStop: { sleep: { seconds: 7 } } } }, 7],
    ["exec sleep", { lifecycle: { preStop: { exec: { command: ["sleep", "5"] } } } }, 5],
    [
      "a shell running sleep first",
      { lifecycle: { preStop: { exec: { command: ["/bin/sh", "-c", "sleep 12 && kill 1"] } } } },
      12,
    ],
    [
      "an absolute sleep path",
      { lifecycle: { preStop: { exec: { command: ["/bin/sleep", "3"] } } } },
      3,
    ],
    ["an httpGet hook", { lifecycle: { preStop: { httpGet: { path: "/drain" } } } }, 0],
    [
      "an exec hook that does not sleep",
      { lifecycle: { preStop: { exec: { command: ["nginx", "-s", "quit"] } } } },
      0,
    ],
    ["no hook", {}, 0],
  ])("reads %s", (_, container, seconds) => {
    expect(preStopSleepSeconds(container)).toBe(seconds);
  });
});

describe("graceful-termination: checkGracefulTermination", () => {
  it.each([
    ["a 5 s sleep and a 20 s grace period, preStop required", goodPodSpec(), true],
    [
      "a 5 s sleep and the default grace period",
      goodPodSpec({ terminationGracePeriodSeconds: undefined }),
      true,
    ],
    [
      "a serving container without preStop when preStop is not required (dev)",
      goodPodSpec({ containers: [goodContainer({ lifecycle: undefined })] }),
      false,
    ],
    [
      "a worker without ports and without preStop",
      goodPodSpec({ containers: [goodContainer({ ports: undefined, lifecycle: undefined })] }),
      true,
    ],
  ])("accepts %s", (_, pod, requirePreStop) => {
    expect(checkGracefulTermination(pod, { requirePreStop })).toEqual([]);
  });

  it.each([
    [
      "a sleep as long as the grace period",
      goodPodSpec({ terminationGracePeriodSeconds: 5 }),
      true,
      [
        `container "app" sleeps 5 s in preStop but terminationGracePeriodSeconds is 5: set it above 5 s plus the app's drain time, or the pod is killed before it has drained`,
      ],
    ],
    [
      "a 40 s sleep with the default grace period, even in dev",
      goodPodSpec({
        terminationGracePeriodSeconds: undefined,
        containers: [goodContainer({ lifecycle: { preStop: { sleep: { seconds: 40 } } } })],
      }),
      false,
      [
        `container "app" sleeps 40 s in preStop but terminationGracePeriodSeconds is 30 (the default): set it above 40 s plus the app's drain time, or the pod is killed before it has drained`,
      ],
    ],
    [
      "a serving container without a preStop delay outside dev",
      goodPodSpec({ containers: [goodContainer({ lifecycle: undefined })] }),
      true,
      [
        'container "app" serves traffic but has no preStop delay: add lifecycle.preStop.sleep.seconds (e.g. 5) so endpoint removal reaches every load balancer before the app gets SIGTERM',
      ],
    ],
  ])("reports %s", (_, pod, requirePreStop, expected) => {
    expect(checkGracefulTermination(pod, { requirePreStop })).toEqual(expected);
  });
});

const MISSING = (who: string, what: string) =>
  `${who} does not set ${what}: set CPU and memory requests so the scheduler can place the pod, and a memory limit so a leak kills this container, not its neighbours`;

describe("resource-requests: checkResourceRequests", () => {
  it("accepts requests on every container and a memory limit", () => {
    expect(checkResourceRequests(goodPodSpec())).toEqual([]);
  });

  it("accepts numeric quantities", () => {
    const c = goodContainer({
      resources: { requests: { cpu: 1, memory: 67108864 }, limits: { memory: 134217728 } },
    });
    expect(checkResourceRequests(goodPodSpec({ containers: [c] }))).toEqual([]);
  });

  it.each([
    [
      "a container without resources",
      goodPodSpec({ containers: [goodContainer({ resources: undefined })] }),
      [
        MISSING(
          'container "app"',
          "resources.requests.cpu, resources.requests.memory, resources.limits.memory",
        ),
      ],
    ],
    [
      "a container with requests but no memory limit",
      goodPodSpec({
        containers: [
          goodContainer({
            resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1" } },
          }),
        ],
      }),
      [MISSING('container "app"', "resources.limits.memory")],
    ],
    [
      "an init container without a CPU request",
      goodPodSpec({
        initContainers: [
          {
            name: "migrate",
            resources: { requests: { memory: "64Mi" }, limits: { memory: "1Gi" } },
          },
        ],
      }),
      [MISSING('init container "migrate"', "resources.requests.cpu")],
    ],
  ])("reports %s", (_, pod, expected) => {
    expect(checkResourceRequests(pod)).toEqual(expected);
  });
});

const TOKEN =
  "the pod's automountServiceAccountToken is not set (so the token is mounted): set it to false in the pod spec unless the app calls the Kubernetes API";

describe("restricted-security-context: checkRestrictedSecurityContext", () => {
  it("accepts the hardened pod", () => {
    expect(checkRestrictedSecurityContext(goodPodSpec())).toEqual([]);
  });

  it("accepts runAsNonRoot and seccomp set only on the pod", () => {
    const sc = { ...goodContainer().securityContext };
    delete (sc as Record<string, unknown>).runAsNonRoot;
    delete (sc as Record<string, unknown>).seccompProfile;
    expect(
      checkRestrictedSecurityContext(
        goodPodSpec({ containers: [goodContainer({ securityContext: sc })] }),
      ),
    ).toEqual([]);
  });

  it("accepts NET_BIND_SERVICE and a Localhost seccomp profile", () => {
    const c = goodContainer({
      securityContext: {
        ...goodContainer().securityContext,
        capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
        seccompProfile: { type: "Localhost" },
      },
    });
    expect(checkRestrictedSecurityContext(goodPodSpec({ containers: [c] }))).toEqual([]);
  });

  it.each<[string, Parameters<typeof goodPodSpec>[0], string[]]>([
    ["a mounted service account token", { automountServiceAccountToken: undefined }, [TOKEN]],
    [
      "an explicitly mounted token",
      { automountServiceAccountToken: true },
      [
        "the pod's automountServiceAccountToken is true: set it to false in the pod spec unless the app calls the Kubernetes API",
      ],
    ],
    [
      "a privileged container",
      {
        containers: [
          goodContainer({
            securityContext: { ...goodContainer().securityContext, privileged: true },
          }),
        ],
      },
      ['container "app" is privileged: remove securityContext.privileged (or set it to false)'],
    ],
    [
      "a container without any security context, on a pod without one",
      { securityContext: undefined, containers: [{ name: "app" }] },
      [
        'container "app" does not set securityContext.allowPrivilegeEscalation to false',
        'container "app" does not drop every capability: set securityContext.capabilities.drop to ["ALL"]',
        'container "app" may run as root: set securityContext.runAsNonRoot to true (on the pod or the container)',
        'container "app" has no seccomp profile: set securityContext.seccompProfile.type to RuntimeDefault (on the pod or the container)',
        'container "app" has a writable root filesystem: set securityContext.readOnlyRootFilesystem to true and mount an emptyDir where the app writes',
      ],
    ],
    [
      "a container that overrides the pod with root and Unconfined",
      {
        containers: [
          goodContainer({
            securityContext: {
              ...goodContainer().securityContext,
              runAsNonRoot: false,
              runAsUser: 0,
              seccompProfile: { type: "Unconfined" },
              capabilities: { drop: ["ALL"], add: ["SYS_ADMIN", "NET_BIND_SERVICE"] },
            },
          }),
        ],
      },
      [
        'container "app" adds capabilities SYS_ADMIN: the restricted profile allows only NET_BIND_SERVICE',
        'container "app" may run as root: set securityContext.runAsNonRoot to true (on the pod or the container)',
        'container "app" runs as user 0 (root): set runAsUser to a non-zero UID',
        'container "app" uses seccomp profile "Unconfined": use RuntimeDefault',
      ],
    ],
    [
      "an init container that escalates",
      {
        initContainers: [
          goodContainer({
            name: "init",
            securityContext: { ...goodContainer().securityContext, allowPrivilegeEscalation: true },
          }),
        ],
      },
      ['init container "init" does not set securityContext.allowPrivilegeEscalation to false'],
    ],
  ])("reports %s", (_, overrides, expected) => {
    expect(checkRestrictedSecurityContext(goodPodSpec(overrides))).toEqual(expected);
  });
});

describe("no-bare-pods: checkBarePod", () => {
  it("allows a bare Pod in dev", () => {
    expect(checkBarePod("dev")).toEqual([]);
  });

  it.each([["staging"], ["prod"]] as const)("reports a bare Pod in %s", (env) => {
    expect(checkBarePod(env)).toEqual([
      `is a bare Pod in ${env}: nothing recreates it when its node is drained or it is evicted; run it from a Deployment (or a StatefulSet) instead`,
    ]);
  });
});

describe("node-loss-eviction: checkNodeLossEviction", () => {
  const NOT_READY = "node.kubernetes.io/not-ready";
  const UNREACHABLE = "node.kubernetes.io/unreachable";
  const tol = (key: string | undefined, seconds?: number, effect = "NoExecute"): Toleration => ({
    ...(key !== undefined ? { key } : {}),
    operator: "Exists",
    effect,
    ...(seconds !== undefined ? { tolerationSeconds: seconds } : {}),
  });

  it.each<[string, Toleration[]]>([
    ["30 s for both keys", [tol(NOT_READY, 30), tol(UNREACHABLE, 30)]],
    ["exactly the maximum", [tol(NOT_READY, 120), tol(UNREACHABLE, 120)]],
    ["0 s (evict at once)", [tol(NOT_READY, 0), tol(UNREACHABLE, 0)]],
    ["a key-less Exists with seconds, matching both", [tol(undefined, 60)]],
    [
      "a forever toleration beside a short one (the shortest wins)",
      [tol(NOT_READY), tol(NOT_READY, 30), tol(UNREACHABLE, 30)],
    ],
  ])("accepts %s", (_, tolerations) => {
    expect(checkNodeLossEviction(goodPodSpec({ tolerations }), 120)).toEqual([]);
  });

  it.each<[string, Toleration[] | undefined, string[]]>([
    [
      "no tolerations (the cluster's 300 s)",
      undefined,
      [
        `pods have no NoExecute toleration of ${NOT_READY}, so they keep the cluster default of 300 s and a lost node's pods are replaced only after 300 s more: add the toleration { key: "${NOT_READY}", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 } (AppDeployment sets it: nodeLossTolerationSeconds)`,
        `pods have no NoExecute toleration of ${UNREACHABLE}, so they keep the cluster default of 300 s and a lost node's pods are replaced only after 300 s more: add the toleration { key: "${UNREACHABLE}", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 } (AppDeployment sets it: nodeLossTolerationSeconds)`,
      ],
    ],
    [
      "the 300 s written out, and a NoSchedule toleration that does not count",
      [tol(NOT_READY, 300), tol(UNREACHABLE, 30, "NoSchedule"), tol(UNREACHABLE, 121)],
      [
        `pods tolerate ${NOT_READY} for 300 s, more than 120 s, so a lost node's pods are replaced late: lower tolerationSeconds to 120 or less (e.g. 30)`,
        `pods tolerate ${UNREACHABLE} for 121 s, more than 120 s, so a lost node's pods are replaced late: lower tolerationSeconds to 120 or less (e.g. 30)`,
      ],
    ],
    [
      "a toleration without seconds (never evicted)",
      [tol(NOT_READY, 30), tol(UNREACHABLE)],
      [
        `pods tolerate ${UNREACHABLE} without tolerationSeconds, so they are never evicted from a lost node: add the toleration { key: "${UNREACHABLE}", operator: "Exists", effect: "NoExecute", tolerationSeconds: 30 } (AppDeployment sets it: nodeLossTolerationSeconds)`,
      ],
    ],
  ])("reports %s", (_, tolerations, expected) => {
    expect(checkNodeLossEviction(goodPodSpec({ tolerations }), 120)).toEqual(expected);
  });

  const bare = {
    metadata: { name: "web" },
    spec: goodDeploymentSpec({ template: { spec: goodPodSpec({ tolerations: undefined }) } }),
  };

  it.each(["dev", "staging"])(
    "applies only in prod: %s passes the cluster default",
    (environment) => {
      expect(
        runResourcePolicy(nodeLossEvictionPolicy, TYPES.deployment, "web", bare, {
          config: { environment },
        }),
      ).toEqual([]);
    },
  );

  it("takes maxTolerationSeconds from the config, and leaves StatefulSets alone", () => {
    const spec = goodDeploymentSpec({
      template: {
        spec: goodPodSpec({ tolerations: [tol(NOT_READY, 300), tol(UNREACHABLE, 300)] }),
      },
    });
    const obj = { metadata: { name: "web" }, spec };
    expect(
      runResourcePolicy(nodeLossEvictionPolicy, TYPES.deployment, "web", obj, {
        config: { environment: "prod" },
      }),
    ).toHaveLength(2);
    expect(
      runResourcePolicy(nodeLossEvictionPolicy, TYPES.deployment, "web", obj, {
        config: { environment: "prod", maxTolerationSeconds: 300 },
      }),
    ).toEqual([]);
    expect(
      runResourcePolicy(nodeLossEvictionPolicy, TYPES.statefulSet, "web", bare, {
        config: { environment: "prod" },
      }),
    ).toEqual([]);
  });
});
