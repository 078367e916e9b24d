import * as fc from "fast-check";
import { promiseOf, setupMocks, type RecordedResource } from "@steady/testing";
import {
  AppDeployment,
  CONFIG_HASH_ANNOTATION,
  TIMEOUT_ANNOTATION,
  type AppDeploymentArgs,
} from "../src";

const mocks = setupMocks();

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

const base: AppDeploymentArgs = {
  namespace: "apps",
  image: "example.com/hello:1.0.0",
  version: "v1",
};

/* eslint-disable @typescript-eslint/no-explicit-any */
async function deploy(name: string, args: Partial<AppDeploymentArgs> = {}) {
  mocks.reset();
  const app = new AppDeployment(name, { ...base, ...args });
  await promiseOf(app.url);
  await mocks.settle();
  const deployment = mocks.get(DEPLOYMENT, name).inputs as any;
  return { app, deployment, spec: deployment.spec, pod: deployment.spec.template.spec };
}

const kube = (): RecordedResource[] =>
  mocks.resources.filter((r) => r.type.startsWith("kubernetes:"));

describe("AppDeployment", () => {
  it("registers a Deployment, Service and PodDisruptionBudget, all parented to the component", async () => {
    await deploy("web");
    expect(
      kube()
        .map((r) => `${r.type}::${r.name}`)
        .sort(),
    ).toEqual([`${DEPLOYMENT}::web`, `${PDB}::web-pdb`, `${SERVICE}::web-svc`].sort());
    const kubeUrns = mocks.urns().filter((u) => u.includes("kubernetes:"));
    expect(kubeUrns).toHaveLength(3);
    for (const urn of kubeUrns)
      expect(urn).toContain("steady:deployment:AppDeployment$kubernetes:");
  });

  it("never sets metadata.name, so every replacement is create-before-delete", async () => {
    await deploy("web", {
      config: { greeting: "hi" },
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
    });
    expect(kube()).toHaveLength(5);
    for (const r of kube()) expect(r.inputs.metadata?.name).toBeUndefined();
  });

  it("rolls out with maxUnavailable 0 and maxSurge 1 by default", async () => {
    const { spec } = await deploy("web");
    expect(spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  it("runs 2 replicas by default and leaves spec.replicas to the autoscaler when there is one", async () => {
    expect((await deploy("web")).spec.replicas).toBe(2);
    expect((await deploy("web", { replicas: 3 })).spec.replicas).toBe(3);
    const { spec } = await deploy("web", { autoscaling: { minReplicas: 3, maxReplicas: 6 } });
    expect(spec).not.toHaveProperty("replicas");
    const hpa = mocks.get(HPA, "web-hpa").inputs;
    expect(hpa.spec).toMatchObject({
      minReplicas: 3,
      maxReplicas: 6,
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment" },
    });
    expect(hpa.spec.scaleTargetRef.name).toBe(mocks.get(DEPLOYMENT, "web").state.metadata.name);
    expect(hpa.spec.metrics[0].resource.target).toEqual({
      type: "Utilization",
      averageUtilization: 70,
    });
  });

  it("puts readiness, liveness and startup probes on the serving container, on its port", async () => {
    const { pod } = await deploy("web");
    const app = pod.containers[0];
    expect(app.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }]);
    expect(app.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(app.livenessProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
    expect(app.startupProbe.httpGet).toEqual({ path: "/healthz", port: "http" });
  });

  it("counts a pod as available only after minReadySeconds", async () => {
    expect((await deploy("web")).spec.minReadySeconds).toBe(5);
    expect((await deploy("web", { rollout: { minReadySeconds: 12 } })).spec.minReadySeconds).toBe(
      12,
    );
  });

  it("sets a progress deadline and makes pulumi wait at least that long, never skipping the wait", async () => {
    const { deployment, spec } = await deploy("web", { rollout: { progressDeadlineSeconds: 90 } });
    expect(spec.progressDeadlineSeconds).toBe(90);
    const wait = Number(deployment.metadata.annotations[TIMEOUT_ANNOTATION]);
    expect(wait).toBeGreaterThanOrEqual(90);
    expect(deployment.metadata.annotations).not.toHaveProperty("pulumi.com/skipAwait");
  });

  it("has pulumi wait for the Service's cluster IP only, and for the Deployment's full rollout", async () => {
    const { deployment } = await deploy("web");
    // The provider's default Service wait ends 10 s after the last endpoint change; the
    // Deployment's own wait (no waitFor, no skipAwait) already proves the selected pods Ready.
    expect(mocks.get(SERVICE, "web-svc").inputs.metadata.annotations["pulumi.com/waitFor"]).toBe(
      "jsonpath={.spec.clusterIP}",
    );
    expect(deployment.metadata.annotations).not.toHaveProperty("pulumi.com/waitFor");
  });

  it("sleeps in preStop and allows a grace period longer than the sleep plus the drain", async () => {
    const { pod } = await deploy("web", { preStopSleepSeconds: 7, drainSeconds: 20 });
    expect(pod.containers[0].lifecycle).toEqual({ preStop: { sleep: { seconds: 7 } } });
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(7 + 20);
    expect(pod.containers[0].env).toContainEqual({ name: "DRAIN_SECONDS", value: "20" });
  });

  it("has a PodDisruptionBudget selecting the pods, one at a time, evicting unhealthy pods", async () => {
    const { spec } = await deploy("web");
    const pdb = mocks.get(PDB, "web-pdb").inputs.spec;
    expect(pdb).toEqual({
      selector: spec.selector,
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
    });
  });

  it("spreads pods softly over zones and nodes, per ReplicaSet", async () => {
    const { pod, spec } = await deploy("web");
    expect(
      pod.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable]),
    ).toEqual([
      ["topology.kubernetes.io/zone", "ScheduleAnyway"],
      ["kubernetes.io/hostname", "ScheduleAnyway"],
    ]);
    for (const c of pod.topologySpreadConstraints) {
      expect(c.labelSelector).toEqual(spec.selector);
      expect(c.matchLabelKeys).toEqual(["pod-template-hash"]);
    }
    expect((await deploy("web", { topologySpread: false })).pod).not.toHaveProperty(
      "topologySpreadConstraints",
    );
  });

  it("selects pods by stable labels only and keeps the version in the template", async () => {
    const { spec } = await deploy("web", { version: "v2" });
    expect(spec.selector.matchLabels).toEqual({
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/instance": "web",
    });
    expect(spec.template.metadata.labels).toMatchObject({
      ...spec.selector.matchLabels,
      "app.kubernetes.io/version": "v2",
    });
    expect(mocks.get(SERVICE, "web-svc").inputs.spec.selector).toEqual(spec.selector.matchLabels);
  });

  it("keeps the selector the same across versions, so a new version is an update", async () => {
    const v1 = (await deploy("web", { version: "v1" })).spec.selector;
    const v2 = (await deploy("web", { version: "v2", image: "example.com/hello:2.0.0" })).spec
      .selector;
    expect(v2).toEqual(v1);
  });

  it("stores config in an immutable ConfigMap mounted in the pod, with its hash in the template", async () => {
    const { app, pod, spec } = await deploy("web", { config: { greeting: "hi", level: 2 } });
    const cm = mocks.get(CONFIGMAP, "web-config");
    expect(cm.inputs.immutable).toBe(true);
    expect(JSON.parse(cm.inputs.data["config.json"])).toEqual({ greeting: "hi", level: 2 });
    expect(pod.volumes).toContainEqual({
      name: "app-config",
      configMap: { name: cm.state.metadata.name },
    });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: "app-config",
      mountPath: "/etc/app",
      readOnly: true,
    });
    expect(pod.containers[0].env).toContainEqual({
      name: "CONFIG_FILE",
      value: "/etc/app/config.json",
    });
    const hash = spec.template.metadata.annotations[CONFIG_HASH_ANNOTATION];
    expect(hash).toMatch(/^[0-9a-f]{10}$/);
    expect(await promiseOf(app.configHash)).toBe(hash);
  });

  it("changes the template when config changes, so a config change is a rollout", async () => {
    const a = (await deploy("web", { config: { greeting: "hi" } })).spec.template.metadata
      .annotations[CONFIG_HASH_ANNOTATION];
    const b = (await deploy("web", { config: { greeting: "hello" } })).spec.template.metadata
      .annotations[CONFIG_HASH_ANNOTATION];
    const c = (await deploy("web", { config: { greeting: "hi" } })).spec.template.metadata
      .annotations[CONFIG_HASH_ANNOTATION];
    expect(a).not.toBe(b);
    expect(c).toBe(a);
  });

  it("requests resources on every container and limits memory", async () => {
    const sidecar = { name: "logs", image: "example.com/shipper:1" };
    const { pod } = await deploy("web", { sidecars: [sidecar] });
    expect(pod.containers).toHaveLength(2);
    for (const c of pod.containers) {
      expect(c.resources.requests).toEqual(
        expect.objectContaining({ cpu: expect.any(String), memory: expect.any(String) }),
      );
      expect(c.resources.limits.memory).toEqual(expect.any(String));
    }
  });

  it("meets the restricted Pod Security Standard in every container", async () => {
    const { pod } = await deploy("web", {
      sidecars: [{ name: "logs", image: "example.com/shipper:1" }],
    });
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(pod.automountServiceAccountToken).toBe(false);
    for (const c of pod.containers) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
      });
      expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp", readOnly: false });
    }
  });

  it("exposes the app through a ClusterIP Service on the named container port", async () => {
    const { pod } = await deploy("web", { containerPort: 3000, servicePort: 8080 });
    const svc = mocks.get(SERVICE, "web-svc").inputs.spec;
    expect(svc.type).toBe("ClusterIP");
    expect(svc.ports).toEqual([{ name: "http", port: 8080, targetPort: "http", protocol: "TCP" }]);
    expect(pod.containers[0].ports[0]).toMatchObject({ name: "http", containerPort: 3000 });
    expect(pod.containers[0].env).toContainEqual({ name: "PORT", value: "3000" });
  });

  it("reports its outputs", async () => {
    const { app } = await deploy("web");
    const svcName = mocks.get(SERVICE, "web-svc").state.metadata.name;
    expect(await promiseOf(app.url)).toBe(`http://${svcName}.apps.svc.cluster.local:80`);
    expect(await promiseOf(app.deploymentName)).toMatch(/^web-[0-9a-f]{8}$/);
    expect(await promiseOf(app.selector)).toEqual({
      "app.kubernetes.io/name": "web",
      "app.kubernetes.io/instance": "web",
    });
  });

  it("throws every problem at once and registers nothing when args are invalid", async () => {
    mocks.reset();
    expect(
      () =>
        new AppDeployment("web", {
          ...base,
          image: "",
          replicas: 0,
          rollout: { maxSurge: 0, maxUnavailable: 0 },
        }),
    ).toThrow(/has 3 invalid inputs/);
    await mocks.settle();
    expect(kube()).toHaveLength(0);
  });

  it("renders the same objects as last time (snapshot)", async () => {
    await deploy("web", { config: { greeting: "hi" }, replicas: 3 });
    expect(kube().map((r) => ({ type: r.type, name: r.name, inputs: r.inputs }))).toMatchSnapshot();
  });

  it("keeps selector labels a subset of template labels for any name, version and extra labels", async () => {
    const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);
    await fc.assert(
      fc.asyncProperty(
        label,
        label,
        fc.dictionary(fc.constantFrom("team", "tier", "example.com/owner"), label),
        async (name, version, labels) => {
          const { spec } = await deploy(name, { version, labels });
          const template = spec.template.metadata.labels;
          for (const [k, v] of Object.entries(spec.selector.matchLabels))
            expect(template[k]).toBe(v);
          expect(spec.selector.matchLabels).not.toHaveProperty("app.kubernetes.io/version");
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe("AppDeployment pod labels and waits", () => {
  it("puts podLabels on the pod template only, never on the selector or the Service", async () => {
    mocks.reset();
    new AppDeployment("web", { ...base, podLabels: { "steady.dev/simulate": "never-ready" } });
    await mocks.settle();
    const d = mocks.get(DEPLOYMENT, "web").inputs;
    expect(d.spec.template.metadata.labels["steady.dev/simulate"]).toBe("never-ready");
    expect(d.spec.selector.matchLabels).not.toHaveProperty("steady.dev/simulate");
    expect(mocks.get(SERVICE, "web-svc").inputs.metadata.labels).not.toHaveProperty(
      "steady.dev/simulate",
    );
  });

  it("bounds the Service's wait like the Deployment's, so a stalled rollout cannot hold up for 10 minutes", async () => {
    mocks.reset();
    new AppDeployment("web", { ...base, rollout: { progressDeadlineSeconds: 60 } });
    await mocks.settle();
    expect(mocks.get(SERVICE, "web-svc").inputs.metadata.annotations[TIMEOUT_ANNOTATION]).toBe(
      "90",
    );
    expect(mocks.get(DEPLOYMENT, "web").inputs.metadata.annotations[TIMEOUT_ANNOTATION]).toBe("90");
  });
});
