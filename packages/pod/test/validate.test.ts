import type { Problem } from "@steady/core";
import type { ContainerArgs, PodSpecArgs } from "../src";
import { buildPodSpec, validatePodSpecArgs } from "../src";

const app: ContainerArgs = {
  name: "app",
  image: "registry.example.com/app:1.2.3",
  ports: [{ name: "http", containerPort: 8080 }],
};

/** Valid pod args with the first container replaced by `app` plus `container`, and `pod` on top. */
function spec(container: Partial<ContainerArgs> = {}, pod: Partial<PodSpecArgs> = {}): PodSpecArgs {
  return { containers: [{ ...app, ...container }], ...pod };
}

const RFC1123 = 'expected an RFC 1123 label (lowercase alphanumerics and "-", at most 63)';
const PORT_NAME = 'expected at most 15 lowercase alphanumerics or "-", with at least one letter';
const QUANTITY = 'is not a positive Kubernetes quantity (e.g. "250m", "1", "128Mi")';
const TMP = 'the name "tmp" is taken by the /tmp volume; rename the volume or set tmpVolume: false';

describe("validatePodSpecArgs", () => {
  it("finds no problem in a container with only a name, an image and a port", () => {
    expect(validatePodSpecArgs(spec()).list).toEqual([]);
    expect(validatePodSpecArgs(spec()).ok).toBe(true);
  });

  it("finds no problem in a full, consistent spec", () => {
    const args: PodSpecArgs = {
      containers: [
        {
          ...app,
          ports: [
            { name: "http", containerPort: 8080 },
            { name: "dns", containerPort: 8080, protocol: "UDP" },
          ],
          env: { LOG_LEVEL: "info" },
          envFromFields: { POD_NAME: "metadata.name" },
          resources: {
            requests: { cpu: "250m", memory: "128Mi" },
            limits: { cpu: "1", memory: "256Mi" },
          },
          probes: {
            readiness: { httpGet: { path: "/ready", port: "http" }, successThreshold: 2 },
            liveness: { tcpSocket: { port: 8080 }, successThreshold: 1 },
            startup: { exec: { command: ["true"] } },
          },
          volumeMounts: [{ volume: "config", mountPath: "/etc/app" }],
          preStopSleepSeconds: 5,
        },
        { name: "shipper", image: "registry.example.com/shipper:2", probes: { readiness: false } },
      ],
      volumes: [{ name: "config", configMap: { name: "app-config" } }],
      terminationGracePeriodSeconds: 30,
    };
    expect(validatePodSpecArgs(args).list).toEqual([]);
  });

  it("accepts a volume named tmp when the /tmp volume is off", () => {
    const args = spec(
      { volumeMounts: [{ volume: "tmp", mountPath: "/scratch" }] },
      { tmpVolume: false, volumes: [{ name: "tmp", emptyDir: {} }] },
    );
    expect(validatePodSpecArgs(args).list).toEqual([]);
  });

  describe.each<[string, PodSpecArgs, Problem[]]>([
    [
      "no containers",
      { containers: [] },
      [{ propertyPath: "containers", reason: "must list at least one container" }],
    ],
    [
      "a container name that is not an RFC 1123 label",
      spec({ name: "App_1" }),
      [{ propertyPath: "containers[0].name", reason: `"App_1" is not valid: ${RFC1123}` }],
    ],
    [
      "two containers with the same name",
      { containers: [app, { ...app, ports: [] }] },
      [{ propertyPath: "containers[1].name", reason: 'container name "app" is used twice' }],
    ],
    [
      "an empty image",
      spec({ image: "" }),
      [
        {
          propertyPath: "containers[0].image",
          reason: "must not be empty: name an image such as registry.example.com/app:1.2.3",
        },
      ],
    ],
    [
      "an image with white space in it",
      spec({ image: "registry.example.com/app :1.2.3" }),
      [
        {
          propertyPath: "containers[0].image",
          reason: '"registry.example.com/app :1.2.3" must not contain white space',
        },
      ],
    ],
    [
      "an image of white space only (reported as empty, once)",
      spec({ image: "  " }),
      [
        {
          propertyPath: "containers[0].image",
          reason: "must not be empty: name an image such as registry.example.com/app:1.2.3",
        },
      ],
    ],
    [
      "a port number above 65535",
      spec({ ports: [{ name: "http", containerPort: 70000 }] }),
      [
        {
          propertyPath: "containers[0].ports[0].containerPort",
          reason: "70000 is out of range: expected an integer from 1 to 65535",
        },
      ],
    ],
    [
      "port number 0",
      spec({ ports: [{ name: "http", containerPort: 0 }] }),
      [
        {
          propertyPath: "containers[0].ports[0].containerPort",
          reason: "0 is out of range: expected an integer from 1 to 65535",
        },
      ],
    ],
    [
      "a fractional port number",
      spec({ ports: [{ name: "http", containerPort: 80.5 }] }),
      [
        {
          propertyPath: "containers[0].ports[0].containerPort",
          reason: "80.5 is out of range: expected an integer from 1 to 65535",
        },
      ],
    ],
    [
      "an upper-case port name",
      spec({ ports: [{ name: "HTTP", containerPort: 8080 }] }),
      [
        {
          propertyPath: "containers[0].ports[0].name",
          reason: `"HTTP" is not valid: ${PORT_NAME}`,
        },
      ],
    ],
    [
      "a port name of digits only",
      spec({ ports: [{ name: "8080", containerPort: 8080 }] }),
      [
        {
          propertyPath: "containers[0].ports[0].name",
          reason: `"8080" is not valid: ${PORT_NAME}`,
        },
      ],
    ],
    [
      "two ports with the same name",
      spec({
        ports: [
          { name: "http", containerPort: 8080 },
          { name: "http", containerPort: 8081 },
        ],
      }),
      [{ propertyPath: "containers[0].ports[1].name", reason: 'port name "http" is used twice' }],
    ],
    [
      "the same port number and protocol twice",
      spec({
        ports: [
          { name: "http", containerPort: 8080 },
          { name: "alt", containerPort: 8080, protocol: "TCP" },
        ],
      }),
      [
        {
          propertyPath: "containers[0].ports[1].containerPort",
          reason: "port 8080/TCP is declared twice",
        },
      ],
    ],
    [
      "a probe on a port name the container does not declare",
      spec({ probes: { readiness: { httpGet: { path: "/ready", port: "admin" } } } }),
      [
        {
          propertyPath: "containers[0].probes.readiness.httpGet.port",
          reason: `port "admin" is not one of the container's ports (http)`,
        },
      ],
    ],
    [
      "a probe on a port name in a container without ports",
      spec({ ports: [], probes: { liveness: { tcpSocket: { port: "http" } } } }),
      [
        {
          propertyPath: "containers[0].probes.liveness.tcpSocket.port",
          reason: `port "http" is not one of the container's ports (none)`,
        },
      ],
    ],
    [
      "a probe on port number 0",
      spec({ probes: { readiness: { tcpSocket: { port: 0 } } } }),
      [
        {
          propertyPath: "containers[0].probes.readiness.tcpSocket.port",
          reason: "0 is out of range: expected an integer from 1 to 65535",
        },
      ],
    ],
    [
      "an HTTP probe without a port in a container without ports",
      spec({ ports: [], probes: { startup: { httpGet: { path: "/healthz" } } } }),
      [
        {
          propertyPath: "containers[0].probes.startup",
          reason:
            "the container has no port to probe: give the probe a port or an exec command, or set startup: false",
        },
      ],
    ],
    [
      "a probe with two handlers",
      spec({
        probes: { liveness: { httpGet: { path: "/healthz" }, exec: { command: ["true"] } } },
      }),
      [
        {
          propertyPath: "containers[0].probes.liveness",
          reason: "set at most one of httpGet, tcpSocket, exec",
        },
      ],
    ],
    [
      "an HTTP probe path without a leading slash",
      spec({ probes: { readiness: { httpGet: { path: "readyz" } } } }),
      [
        {
          propertyPath: "containers[0].probes.readiness.httpGet.path",
          reason: '"readyz" must start with "/"',
        },
      ],
    ],
    [
      "an exec probe with an empty command",
      spec({ probes: { startup: { exec: { command: [] } } } }),
      [
        {
          propertyPath: "containers[0].probes.startup.exec.command",
          reason: "must name a command",
        },
      ],
    ],
    [
      "a liveness probe with successThreshold 2",
      spec({ probes: { liveness: { successThreshold: 2 } } }),
      [
        {
          propertyPath: "containers[0].probes.liveness.successThreshold",
          reason: "must be 1 for a liveness probe (Kubernetes rejects anything else)",
        },
      ],
    ],
    [
      "a startup probe with successThreshold 3",
      spec({ probes: { startup: { successThreshold: 3 } } }),
      [
        {
          propertyPath: "containers[0].probes.startup.successThreshold",
          reason: "must be 1 for a startup probe (Kubernetes rejects anything else)",
        },
      ],
    ],
    [
      "a readiness probe with successThreshold 0",
      spec({ probes: { readiness: { successThreshold: 0 } } }),
      [
        {
          propertyPath: "containers[0].probes.readiness.successThreshold",
          reason: "0 is out of range: expected an integer from 1 to 100",
        },
      ],
    ],
    [
      "a probe period of 0",
      spec({ probes: { readiness: { periodSeconds: 0 } } }),
      [
        {
          propertyPath: "containers[0].probes.readiness.periodSeconds",
          reason: "0 is out of range: expected an integer from 1 to 3600",
        },
      ],
    ],
    [
      "a memory limit below the memory request",
      spec({ resources: { requests: { memory: "256Mi" }, limits: { memory: "128Mi" } } }),
      [
        {
          propertyPath: "containers[0].resources.limits.memory",
          reason: "128Mi is below the request 256Mi: a limit must be at least the request",
        },
      ],
    ],
    [
      "a CPU limit below the CPU request",
      spec({ resources: { requests: { cpu: "500m" }, limits: { cpu: "0.25" } } }),
      [
        {
          propertyPath: "containers[0].resources.limits.cpu",
          reason: "0.25 is below the request 500m: a limit must be at least the request",
        },
      ],
    ],
    [
      "a CPU request that is not a quantity",
      spec({ resources: { requests: { cpu: "lots" } } }),
      [{ propertyPath: "containers[0].resources.requests.cpu", reason: `"lots" ${QUANTITY}` }],
    ],
    [
      "a memory limit of zero",
      spec({ resources: { limits: { memory: "0" } } }),
      [{ propertyPath: "containers[0].resources.limits.memory", reason: `"0" ${QUANTITY}` }],
    ],
    [
      "a byte unit in a memory request",
      spec({ resources: { requests: { memory: "64MB" } } }),
      [{ propertyPath: "containers[0].resources.requests.memory", reason: `"64MB" ${QUANTITY}` }],
    ],
    [
      "a volume mount of a volume the pod does not declare",
      spec({ volumeMounts: [{ volume: "data", mountPath: "/data" }] }),
      [
        {
          propertyPath: "containers[0].volumeMounts[0].volume",
          reason: '"data" is not a volume of this pod (tmp)',
        },
      ],
    ],
    [
      "a volume mount of an unknown volume when no volume is declared",
      spec({ volumeMounts: [{ volume: "data", mountPath: "/data" }] }, { tmpVolume: false }),
      [
        {
          propertyPath: "containers[0].volumeMounts[0].volume",
          reason: '"data" is not a volume of this pod (none declared)',
        },
      ],
    ],
    [
      "a relative mount path",
      spec({ volumeMounts: [{ volume: "tmp", mountPath: "scratch" }] }),
      [
        {
          propertyPath: "containers[0].volumeMounts[0].mountPath",
          reason: '"scratch" must be an absolute path',
        },
      ],
    ],
    [
      "a volume with two kinds",
      spec({}, { volumes: [{ name: "config", emptyDir: {}, configMap: { name: "app-config" } }] }),
      [
        {
          propertyPath: "volumes[0]",
          reason: "set exactly one of emptyDir, configMap, secret (found 2)",
        },
      ],
    ],
    [
      "a volume with no kind",
      spec({}, { volumes: [{ name: "config" }] }),
      [
        {
          propertyPath: "volumes[0]",
          reason: "set exactly one of emptyDir, configMap, secret (found 0)",
        },
      ],
    ],
    [
      "a volume name that is not an RFC 1123 label",
      spec({}, { volumes: [{ name: "Config", emptyDir: {} }] }),
      [
        {
          propertyPath: "volumes[0].name",
          reason: '"Config" is not valid: expected an RFC 1123 label',
        },
      ],
    ],
    [
      "two volumes with the same name",
      spec(
        {},
        {
          volumes: [
            { name: "data", emptyDir: {} },
            { name: "data", emptyDir: {} },
          ],
        },
      ),
      [{ propertyPath: "volumes[1].name", reason: 'volume name "data" is used twice' }],
    ],
    [
      "an emptyDir size limit that is not a quantity",
      spec({}, { volumes: [{ name: "data", emptyDir: { sizeLimit: "1 GB" } }] }),
      [{ propertyPath: "volumes[0].emptyDir.sizeLimit", reason: `"1 GB" ${QUANTITY}` }],
    ],
    [
      'a volume named "tmp" while the /tmp volume is on',
      spec({}, { volumes: [{ name: "tmp", emptyDir: {} }] }),
      [{ propertyPath: "volumes", reason: TMP }],
    ],
    [
      "a termination grace period shorter than the preStop sleep",
      spec({ preStopSleepSeconds: 10 }, { terminationGracePeriodSeconds: 5 }),
      [
        {
          propertyPath: "terminationGracePeriodSeconds",
          reason:
            "5 s must be longer than containers[0] preStop sleep of 10 s, or the container is killed before it can drain",
        },
      ],
    ],
    [
      "a preStop sleep as long as the default grace period of 30 s",
      spec({ preStopSleepSeconds: 30 }),
      [
        {
          propertyPath: "terminationGracePeriodSeconds",
          reason:
            "30 s must be longer than containers[0] preStop sleep of 30 s, or the container is killed before it can drain",
        },
      ],
    ],
    [
      "an environment variable name starting with a digit",
      spec({ env: { "1BAD": "x" } }),
      [
        {
          propertyPath: "containers[0].env",
          reason:
            'variable name "1BAD" is not valid: expected letters, digits, "_", "-" or ".", not starting with a digit',
        },
      ],
    ],
    [
      "an environment variable name with a space, from a pod field",
      spec({ envFromFields: { "POD NAME": "metadata.name" } }),
      [
        {
          propertyPath: "containers[0].env",
          reason:
            'variable name "POD NAME" is not valid: expected letters, digits, "_", "-" or ".", not starting with a digit',
        },
      ],
    ],
    [
      "a variable set both in env and from a pod field",
      spec({ env: { POD_NAME: "x" }, envFromFields: { POD_NAME: "metadata.name" } }),
      [
        {
          propertyPath: "containers[0].envFromFields",
          reason: 'variable "POD_NAME" is also set in env: set it in one place',
        },
      ],
    ],
    [
      "a root user",
      spec({}, { runAsUser: 0 }),
      [
        {
          propertyPath: "runAsUser",
          reason: "0 is out of range: expected an integer from 1 to 2147483647",
        },
      ],
    ],
    [
      "a container running as root",
      spec({ runAsUser: 0 }),
      [
        {
          propertyPath: "containers[0].runAsUser",
          reason: "0 is out of range: expected an integer from 1 to 2147483647",
        },
      ],
    ],
    [
      "a negative preStop sleep",
      spec({ preStopSleepSeconds: -1 }),
      [
        {
          propertyPath: "containers[0].preStopSleepSeconds",
          reason: "-1 is out of range: expected an integer from 0 to 3600",
        },
      ],
    ],
  ])("with %s", (_, args, expected) => {
    it("reports exactly the expected problems", () => {
      expect(validatePodSpecArgs(args).list).toEqual(expected);
    });
  });

  it("accepts tolerations with known operators and effects", () => {
    const tolerations = [
      { key: "steady.dev/real-node", operator: "Equal", value: "true", effect: "NoSchedule" },
      { key: "dedicated", operator: "Exists" },
      { operator: "Exists" },
      { key: "node.kubernetes.io/unreachable", effect: "NoExecute", tolerationSeconds: 30 },
    ];
    expect(validatePodSpecArgs(spec({}, { tolerations })).list).toEqual([]);
  });

  it("names each bad toleration field and what would be valid", () => {
    const tolerations = [
      { key: "a", operator: "Equals", effect: "NoScheduled" },
      { operator: "Equal", value: "x" },
      { key: "b", operator: "Exists", value: "x" },
      { key: "c", effect: "NoSchedule", tolerationSeconds: 5 },
    ];
    const paths = validatePodSpecArgs(spec({}, { tolerations })).list.map((p) => p.propertyPath);
    expect(paths).toEqual([
      "tolerations[0].operator",
      "tolerations[0].effect",
      "tolerations[1].key",
      "tolerations[2].value",
      "tolerations[3].tolerationSeconds",
    ]);
    const messages = validatePodSpecArgs(spec({}, { tolerations })).list.map((p) => p.reason);
    expect(messages[0]).toContain("Equal, Exists");
    expect(messages[1]).toContain("NoSchedule, PreferNoSchedule, NoExecute");
  });

  it("reports several problems together, in the order of the args", () => {
    const args: PodSpecArgs = {
      containers: [
        {
          name: "App",
          image: "",
          ports: [{ name: "http", containerPort: 0 }],
          probes: { liveness: { successThreshold: 2 } },
        },
        { name: "sidecar", image: "registry.example.com/sidecar:1", env: { "9LIVES": "x" } },
      ],
      volumes: [{ name: "tmp", emptyDir: {} }],
    };
    expect(validatePodSpecArgs(args).list.map((p) => p.propertyPath)).toEqual([
      "volumes",
      "containers[0].name",
      "containers[0].image",
      "containers[0].ports[0].containerPort",
      "containers[0].probes.liveness.successThreshold",
      "containers[1].env",
    ]);
  });
});

describe("buildPodSpec with invalid args", () => {
  it("throws one error whose message lists every problem", () => {
    const args = spec({ image: "" }, { containers: [] });
    expect(() => buildPodSpec(args)).toThrow(
      "pod spec has 1 invalid input:\n  - containers: must list at least one container",
    );
    expect(() =>
      buildPodSpec(
        spec({ name: "App", ports: [{ name: "HTTP", containerPort: 8080 }] }),
        'Pod "x"',
      ),
    ).toThrow(
      `Pod "x" has 2 invalid inputs:\n` +
        `  - containers[0].name: "App" is not valid: ${RFC1123}\n` +
        `  - containers[0].ports[0].name: "HTTP" is not valid: ${PORT_NAME}`,
    );
  });
});
