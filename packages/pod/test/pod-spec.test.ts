import type * as k8s from "@pulumi/kubernetes";
import { ArgsValidationError } from "@steady/core";
import fc from "fast-check";
import type { ContainerArgs, PodSpecArgs, ProbeArgs } from "../src";
import { POD_DEFAULTS, buildContainer, buildPodSpec, validatePodSpecArgs } from "../src";

type Container = k8s.types.input.core.v1.Container;
type Probe = k8s.types.input.core.v1.Probe;
type PodSpec = k8s.types.input.core.v1.PodSpec;
// The builder returns plain values where the types allow Inputs; read them as plain objects.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Plain = any;

const web: ContainerArgs = {
  name: "web",
  image: "registry.example.com/web:1.0.0",
  ports: [
    { name: "http", containerPort: 8080 },
    { name: "metrics", containerPort: 9090 },
  ],
};
const shipper: ContainerArgs = { name: "shipper", image: "registry.example.com/shipper:2.0.0" };

const containersOf = (spec: PodSpec): Plain[] => spec.containers as Plain[];

describe("buildPodSpec hardening", () => {
  const spec: Plain = buildPodSpec({ containers: [web, shipper] });
  const containers = containersOf(spec);

  it("runs the pod as non-root user 10001 with the RuntimeDefault seccomp profile", () => {
    expect(spec.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      fsGroup: 10001,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("does not mount a service-account token", () => {
    expect(spec.automountServiceAccountToken).toBe(false);
  });

  it.each(["web", "shipper"])("locks down container %s", (name) => {
    const c = containers.find((x) => x.name === name);
    expect(c.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ["ALL"] },
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("adds a /tmp emptyDir volume mounted writable in every container", () => {
    expect(spec.volumes).toEqual([{ name: "tmp", emptyDir: {} }]);
    for (const c of containers) {
      expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp", readOnly: false });
    }
  });

  it("leaves out the /tmp volume and its mounts when tmpVolume is false", () => {
    const s: Plain = buildPodSpec({ containers: [web, shipper], tmpVolume: false });
    expect(s.volumes).toEqual([]);
    for (const c of containersOf(s)) expect(c.volumeMounts).toEqual([]);
  });

  it("keeps runAsNonRoot and the dropped capabilities even for a writable root filesystem", () => {
    const [c]: Plain[] = containersOf(
      buildPodSpec({ containers: [{ ...web, writableRootFilesystem: true }] }),
    );
    expect(c.securityContext.readOnlyRootFilesystem).toBe(false);
    expect(c.securityContext.runAsNonRoot).toBe(true);
    expect(c.securityContext.capabilities).toEqual({ drop: ["ALL"] });
  });

  it("uses the given user for group and fsGroup unless they are given too", () => {
    const s: Plain = buildPodSpec({ containers: [web], runAsUser: 2000 });
    expect(s.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 2000, fsGroup: 2000 });
    const t: Plain = buildPodSpec({
      containers: [web],
      runAsUser: 2000,
      runAsGroup: 3000,
      fsGroup: 4000,
    });
    expect(t.securityContext).toMatchObject({ runAsUser: 2000, runAsGroup: 3000, fsGroup: 4000 });
  });

  it("mounts a service-account token only when asked", () => {
    const s: Plain = buildPodSpec({
      containers: [web],
      automountServiceAccountToken: true,
      serviceAccountName: "api",
    });
    expect(s.automountServiceAccountToken).toBe(true);
    expect(s.serviceAccountName).toBe("api");
  });
});

describe("buildPodSpec probes", () => {
  const [w, s]: Plain[] = containersOf(buildPodSpec({ containers: [web, shipper] }));

  it("gives a container with ports HTTP readiness on /readyz and liveness and startup on /healthz, on its first port", () => {
    expect(w.readinessProbe).toEqual({
      httpGet: { path: "/readyz", port: "http" },
      initialDelaySeconds: 0,
      periodSeconds: 5,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(w.livenessProbe).toEqual({
      httpGet: { path: "/healthz", port: "http" },
      initialDelaySeconds: 0,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
      successThreshold: 1,
    });
    expect(w.startupProbe).toEqual({
      httpGet: { path: "/healthz", port: "http" },
      initialDelaySeconds: 0,
      periodSeconds: 2,
      timeoutSeconds: 2,
      failureThreshold: 60,
      successThreshold: 1,
    });
  });

  it("gives a container without ports no probe", () => {
    expect(s.readinessProbe).toBeUndefined();
    expect(s.livenessProbe).toBeUndefined();
    expect(s.startupProbe).toBeUndefined();
  });

  it("turns a probe off with false and keeps the others", () => {
    const [c]: Plain[] = containersOf(
      buildPodSpec({ containers: [{ ...web, probes: { startup: false } }] }),
    );
    expect(c.startupProbe).toBeUndefined();
    expect(c.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(c.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
  });

  it("uses the given handler and timings, filling in the rest from the defaults", () => {
    const probes = {
      readiness: { httpGet: { path: "/ready", port: "metrics" }, periodSeconds: 1 },
      liveness: { tcpSocket: {} },
      startup: { exec: { command: ["/bin/check", "--boot"] }, failureThreshold: 5 },
    };
    const [c]: Plain[] = containersOf(buildPodSpec({ containers: [{ ...web, probes }] }));
    expect(c.readinessProbe).toMatchObject({
      httpGet: { path: "/ready", port: "metrics" },
      periodSeconds: 1,
      timeoutSeconds: 2,
    });
    expect(c.livenessProbe).toMatchObject({ tcpSocket: { port: "http" }, periodSeconds: 10 });
    expect(c.livenessProbe.httpGet).toBeUndefined();
    expect(c.startupProbe).toMatchObject({
      exec: { command: ["/bin/check", "--boot"] },
      failureThreshold: 5,
      periodSeconds: 2,
    });
    expect(c.startupProbe.httpGet).toBeUndefined();
  });

  it("probes a container without ports when it has an exec handler", () => {
    const c: Plain = buildContainer(
      { ...shipper, probes: { liveness: { exec: { command: ["true"] } } } },
      { containers: [] },
    );
    expect(c.livenessProbe.exec).toEqual({ command: ["true"] });
    expect(c.readinessProbe).toBeUndefined();
  });
});

describe("buildPodSpec lifecycle, resources, env and volumes", () => {
  it("adds a preStop sleep only when it is longer than 0 seconds", () => {
    const [a, b, c]: Plain[] = containersOf(
      buildPodSpec({
        containers: [
          { ...web, preStopSleepSeconds: 5 },
          { ...shipper, preStopSleepSeconds: 0 },
          { ...shipper, name: "other" },
        ],
      }),
    );
    expect(a.lifecycle).toEqual({ preStop: { sleep: { seconds: 5 } } });
    expect(b.lifecycle).toBeUndefined();
    expect(c.lifecycle).toBeUndefined();
  });

  it("requests CPU and memory on every container and limits memory, by default", () => {
    for (const c of containersOf(buildPodSpec({ containers: [web, shipper] }))) {
      expect(c.resources).toEqual({
        requests: { cpu: "50m", memory: "64Mi" },
        limits: { memory: "128Mi" },
      });
    }
  });

  it("merges given requests and limits over the defaults", () => {
    const [c]: Plain[] = containersOf(
      buildPodSpec({
        containers: [{ ...web, resources: { requests: { cpu: "250m" }, limits: { cpu: "1" } } }],
      }),
    );
    expect(c.resources).toEqual({
      requests: { cpu: "250m", memory: "64Mi" },
      limits: { cpu: "1", memory: "128Mi" },
    });
  });

  it("writes env sorted by name, plain values first, then pod fields", () => {
    const [c]: Plain[] = containersOf(
      buildPodSpec({
        containers: [
          {
            ...web,
            env: { B: "2", A: "1" },
            envFromFields: { POD_NAME: "metadata.name", NODE: "spec.nodeName" },
          },
        ],
      }),
    );
    expect(c.env).toEqual([
      { name: "A", value: "1" },
      { name: "B", value: "2" },
      { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
      { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
    ]);
  });

  it("defaults ports to TCP and the pull policy to IfNotPresent", () => {
    const [c]: Plain[] = containersOf(buildPodSpec({ containers: [web] }));
    expect(c.ports).toEqual([
      { name: "http", containerPort: 8080, protocol: "TCP" },
      { name: "metrics", containerPort: 9090, protocol: "TCP" },
    ]);
    expect(c.imagePullPolicy).toBe(POD_DEFAULTS.imagePullPolicy);
  });

  it("mounts ConfigMap and Secret volumes read-only and emptyDir volumes writable, unless told otherwise", () => {
    const args: PodSpecArgs = {
      containers: [
        {
          ...web,
          volumeMounts: [
            { volume: "config", mountPath: "/etc/app" },
            { volume: "creds", mountPath: "/var/run/creds", subPath: "token" },
            { volume: "cache", mountPath: "/var/cache/app" },
            { volume: "cache", mountPath: "/var/cache/ro", readOnly: true },
          ],
        },
      ],
      volumes: [
        {
          name: "config",
          configMap: { name: "app-config", items: [{ key: "a", path: "a.yaml" }] },
        },
        { name: "creds", secret: { secretName: "app-creds" } },
        { name: "cache", emptyDir: { sizeLimit: "1Gi" } },
      ],
    };
    const spec: Plain = buildPodSpec(args);
    expect(spec.volumes).toEqual([
      { name: "config", configMap: { name: "app-config", items: [{ key: "a", path: "a.yaml" }] } },
      { name: "creds", secret: { secretName: "app-creds" } },
      { name: "cache", emptyDir: { sizeLimit: "1Gi" } },
      { name: "tmp", emptyDir: {} },
    ]);
    expect(containersOf(spec)[0].volumeMounts).toEqual([
      { name: "config", mountPath: "/etc/app", readOnly: true },
      { name: "creds", mountPath: "/var/run/creds", readOnly: true, subPath: "token" },
      { name: "cache", mountPath: "/var/cache/app", readOnly: false },
      { name: "cache", mountPath: "/var/cache/ro", readOnly: true },
      { name: "tmp", mountPath: "/tmp", readOnly: false },
    ]);
  });

  it("does not change the args it is given", () => {
    const args: PodSpecArgs = { containers: [{ ...web, env: { B: "2", A: "1" } }], volumes: [] };
    const before = JSON.stringify(args);
    buildPodSpec(args);
    expect(JSON.stringify(args)).toBe(before);
  });

  it("throws an ArgsValidationError instead of building an invalid spec", () => {
    expect(() => buildPodSpec({ containers: [] })).toThrow(ArgsValidationError);
  });
});

// Property: whatever containers a caller writes, the probes point at ports the container has.

const portName = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const portsArb = fc
  .uniqueArray(fc.record({ name: portName, containerPort: fc.integer({ min: 1, max: 65535 }) }), {
    maxLength: 3,
    selector: (p) => p.name,
  })
  .filter((ports) => new Set(ports.map((p) => p.containerPort)).size === ports.length);

/** A probe setting valid for a container with these port names. */
function probeArb(names: readonly string[]): fc.Arbitrary<ProbeArgs | false | undefined> {
  const always: fc.Arbitrary<ProbeArgs | false | undefined>[] = [
    fc.constant(undefined),
    fc.constant(false as const),
    fc.constant({ exec: { command: ["true"] } }),
  ];
  if (names.length === 0) return fc.oneof(...always);
  const name = fc.constantFrom(...names);
  return fc.oneof(
    ...always,
    fc.constant({}),
    fc.constant({ periodSeconds: 3 }),
    fc.record({
      httpGet: fc.record({ path: fc.constantFrom("/", "/readyz", "/live"), port: name }),
    }),
    fc.constant({ httpGet: { path: "/status" } }),
    fc.record({ tcpSocket: fc.record({ port: name }) }),
    fc.constant({ tcpSocket: {} }),
  );
}

const containerArb = (name: string): fc.Arbitrary<ContainerArgs> =>
  portsArb.chain((ports) => {
    const names = ports.map((p) => p.name);
    return fc
      .record({ readiness: probeArb(names), liveness: probeArb(names), startup: probeArb(names) })
      .map((probes) => ({ name, image: "registry.example.com/app:1", ports, probes }));
  });

const podArb: fc.Arbitrary<PodSpecArgs> = fc
  .uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/), { minLength: 1, maxLength: 4 })
  .chain((names) => fc.tuple(...names.map(containerArb)))
  .chain((containers) => fc.record({ tmpVolume: fc.boolean() }).map((o) => ({ containers, ...o })));

function probesOf(c: Container): [string, Probe][] {
  return (
    [
      ["readiness", c.readinessProbe],
      ["liveness", c.livenessProbe],
      ["startup", c.startupProbe],
    ] as [string, Probe | undefined][]
  ).filter((e): e is [string, Probe] => e[1] !== undefined);
}

describe("buildPodSpec for any valid containers", () => {
  it("accepts every generated spec (the generator only writes valid args)", () => {
    fc.assert(
      fc.property(podArb, (args) => {
        expect(validatePodSpecArgs(args).list).toEqual([]);
      }),
    );
  });

  it("points every HTTP and TCP probe at a port the container declares (ports agree)", () => {
    fc.assert(
      fc.property(podArb, (args) => {
        for (const c of containersOf(buildPodSpec(args))) {
          const declared = (c.ports as Plain[]).map((p) => p.name);
          for (const [, probe] of probesOf(c)) {
            const port = (probe as Plain).httpGet?.port ?? (probe as Plain).tcpSocket?.port;
            if ((probe as Plain).exec) expect(port).toBeUndefined();
            else expect(declared).toContain(port);
          }
        }
      }),
    );
  });

  it("gives every container with a port a readiness probe unless it is turned off", () => {
    fc.assert(
      fc.property(podArb, (args) => {
        const built = containersOf(buildPodSpec(args));
        args.containers.forEach((c, i) => {
          if ((c.ports ?? []).length > 0 && c.probes?.readiness !== false) {
            expect(built[i].readinessProbe).toBeDefined();
          }
        });
      }),
    );
  });

  it("requests CPU and memory and limits memory on every container", () => {
    fc.assert(
      fc.property(podArb, (args) => {
        for (const c of containersOf(buildPodSpec(args))) {
          expect(c.resources.requests.cpu).toEqual(expect.any(String));
          expect(c.resources.requests.memory).toEqual(expect.any(String));
          expect(c.resources.limits.memory).toEqual(expect.any(String));
        }
      }),
    );
  });

  it("mounts /tmp writable in every container exactly when the /tmp volume is on", () => {
    fc.assert(
      fc.property(podArb, (args) => {
        const spec: Plain = buildPodSpec(args);
        const on = args.tmpVolume ?? true;
        expect(spec.volumes.some((v: Plain) => v.name === "tmp")).toBe(on);
        for (const c of containersOf(spec)) {
          const tmp = c.volumeMounts.filter((m: Plain) => m.mountPath === "/tmp");
          expect(tmp).toEqual(on ? [{ name: "tmp", mountPath: "/tmp", readOnly: false }] : []);
        }
      }),
    );
  });
});
