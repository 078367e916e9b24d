import { promiseOf, setupMocks } from "@steady/testing";
import * as pulumi from "@pulumi/pulumi";
import { benchApps } from "../src/program/apps";
import { parseBenchConfig } from "../src/program/config";

const mocks = setupMocks({ project: "steady-bench" });

describe("the bench program", () => {
  beforeEach(() => mocks.reset());

  it("declares one provider and N AppDeployments, each with config, Deployment, Service and PDB", async () => {
    const out = benchApps(
      parseBenchConfig({
        "steady-bench:apps": "3",
        "steady-bench:namespace": "bench-x",
        "steady-bench:version": "v2",
        "steady-bench:replicas": "4",
        "steady-bench:minReadySeconds": "1",
      }),
    );
    const names = await promiseOf(pulumi.all(out.deploymentNames));
    await mocks.settle();
    expect(names).toHaveLength(3);
    expect(mocks.ofType("pulumi:providers:kubernetes")).toHaveLength(1);
    for (const t of [
      "steady:deployment:AppDeployment",
      "kubernetes:core/v1:ConfigMap",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:core/v1:Service",
      "kubernetes:policy/v1:PodDisruptionBudget",
    ]) {
      expect(mocks.ofType(t)).toHaveLength(3);
    }
    const d = mocks.get("kubernetes:apps/v1:Deployment", "app-1").inputs;
    expect(d.metadata.namespace).toBe("bench-x");
    expect(d.spec.replicas).toBe(4);
    expect(d.spec.minReadySeconds).toBe(1);
    expect(d.spec.template.metadata.labels["app.kubernetes.io/version"]).toBe("v2");
    expect(d.spec.template.spec.containers[0].image).toBe("steady/hello:v2");
  });

  it("leaves replicas and minReadySeconds to the component's defaults when not set", async () => {
    benchApps(
      parseBenchConfig({
        "steady-bench:apps": "1",
        "steady-bench:namespace": "bench",
        "steady-bench:version": "v1",
      }),
    );
    await mocks.settle();
    const d = mocks.get("kubernetes:apps/v1:Deployment", "app-0").inputs;
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.minReadySeconds).toBe(5);
  });

  it("registers the same objects without the component when asked for plain resources", async () => {
    benchApps(
      parseBenchConfig({
        "steady-bench:apps": "2",
        "steady-bench:namespace": "bench",
        "steady-bench:version": "v1",
        "steady-bench:plain": "true",
      }),
    );
    await mocks.settle();
    expect(mocks.ofType("steady:deployment:AppDeployment")).toHaveLength(0);
    expect(mocks.resources.map((r) => `${r.type}::${r.name}`).sort()).toEqual(
      [
        "pulumi:providers:kubernetes::cluster",
        ...["app-0", "app-1"].flatMap((a) => [
          `kubernetes:core/v1:ConfigMap::${a}-config`,
          `kubernetes:apps/v1:Deployment::${a}`,
          `kubernetes:core/v1:Service::${a}-svc`,
          `kubernetes:policy/v1:PodDisruptionBudget::${a}-pdb`,
        ]),
      ].sort(),
    );
    const d = mocks.get("kubernetes:apps/v1:Deployment", "app-1").inputs;
    const volume = d.spec.template.spec.volumes[0].configMap.name;
    expect(volume).toBe(
      mocks.get("kubernetes:core/v1:ConfigMap", "app-1-config").state.metadata.name,
    );
  });

  it("reports every bad or missing config key at once", () => {
    expect(() =>
      parseBenchConfig({ "steady-bench:apps": "0", "steady-bench:namespace": "Bad_NS" }),
    ).toThrow(/apps[\s\S]*namespace[\s\S]*version/);
  });
});
