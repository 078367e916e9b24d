import { mockSuffix, promiseOf, setupMocks } from "@steady/testing";

const mocks = setupMocks();
// Components must be loaded after the runtime is in mock mode.
import { ArgsValidationError } from "@steady/core";
import { Pod, type PodArgs } from "../src";

const POD = "kubernetes:core/v1:Pod";

const args: PodArgs = {
  namespace: "jobs",
  spec: {
    containers: [
      {
        name: "main",
        image: "registry.example.com/report:1.4.0",
        ports: [{ name: "http", containerPort: 8080 }],
        preStopSleepSeconds: 5,
      },
      { name: "shipper", image: "registry.example.com/shipper:2.0.0" },
    ],
  },
  labels: { "app.kubernetes.io/part-of": "reports" },
  annotations: { "example.com/owner": "team-a" },
};

async function create(name: string, a: PodArgs = args) {
  mocks.reset();
  const pod = new Pod(name, a);
  await promiseOf(pod.podName);
  await mocks.settle();
  return { pod, record: mocks.get(POD, name) };
}

describe("Pod", () => {
  it("registers exactly one Kubernetes Pod, named after the component, besides itself", async () => {
    await create("report");
    expect(mocks.resources.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [`${POD}::report`, "steady:pod:Pod::report"].sort(),
    );
  });

  it("parents the Kubernetes Pod to the component", async () => {
    await create("report");
    const podUrns = mocks.urns().filter((u) => u.endsWith(`${POD}::report`));
    expect(podUrns).toHaveLength(1);
    expect(podUrns[0]).toContain(`steady:pod:Pod$${POD}::report`);
  });

  it("leaves metadata.name unset, so the pod is auto-named and replaced create-before-delete", async () => {
    const { pod, record } = await create("report");
    expect(record.inputs.metadata.name).toBeUndefined();
    expect(await promiseOf(pod.podName)).toBe(`report-${mockSuffix(POD, "report")}`);
  });

  it("puts the pod in the given namespace and reports it", async () => {
    const { pod, record } = await create("report");
    expect(record.inputs.metadata.namespace).toBe("jobs");
    expect(await promiseOf(pod.namespace)).toBe("jobs");
  });

  it("labels the pod with its name and pulumi as manager, plus the caller's labels and annotations", async () => {
    const { record } = await create("report");
    expect(record.inputs.metadata.labels).toEqual({
      "app.kubernetes.io/name": "report",
      "app.kubernetes.io/managed-by": "pulumi",
      "app.kubernetes.io/part-of": "reports",
    });
    expect(record.inputs.metadata.annotations).toEqual({ "example.com/owner": "team-a" });
  });

  it("passes a hardened spec: non-root, no token, /tmp in every container, probes only where there are ports", async () => {
    const { record } = await create("report");
    const spec = record.inputs.spec;
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 10001 });
    const [main, shipper] = spec.containers;
    for (const c of [main, shipper]) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
      });
      expect(c.volumeMounts).toContainEqual({ name: "tmp", mountPath: "/tmp", readOnly: false });
    }
    expect(main.readinessProbe.httpGet).toEqual({ path: "/readyz", port: "http" });
    expect(shipper.readinessProbe).toBeUndefined();
  });

  it("throws every problem at once, before registering any Kubernetes object", async () => {
    mocks.reset();
    let error: unknown;
    try {
      new Pod("broken", {
        namespace: "jobs",
        spec: { containers: [{ name: "Main", image: "" }] },
        labels: { tier: "front end" },
      });
    } catch (e) {
      error = e;
    }
    await mocks.settle();
    expect(error).toBeInstanceOf(ArgsValidationError);
    expect((error as Error).message).toBe(
      'Pod "broken" has 3 invalid inputs:\n' +
        '  - spec.containers[0].name: "Main" is not valid: expected an RFC 1123 label (lowercase alphanumerics and "-", at most 63)\n' +
        "  - spec.containers[0].image: must not be empty: name an image such as registry.example.com/app:1.2.3\n" +
        '  - labels.tier: label value "front end" is not valid: expected at most 63 characters, alphanumerics with "-", "_" or "." inside',
    );
    expect(mocks.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
  });

  it("renders the same Pod as last time (snapshot)", async () => {
    const { record } = await create("report");
    expect(record.inputs).toMatchSnapshot();
  });
});
