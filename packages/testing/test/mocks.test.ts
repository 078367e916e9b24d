import * as pulumi from "@pulumi/pulumi";
import { mockSuffix, promiseOf, setupMocks } from "../src";

const mocks = setupMocks({ project: "fixture", stack: "unit" });

type Metadata = { name?: string; namespace?: string; labels?: Record<string, string> };

/** A bare custom resource with any type token: enough to exercise the mock without a provider SDK. */
class Raw extends pulumi.CustomResource {
  declare readonly metadata: pulumi.Output<Metadata | undefined>;
  constructor(
    type: string,
    name: string,
    metadata?: Metadata,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(type, name, { metadata }, opts);
  }
}

class Provider extends pulumi.ProviderResource {
  constructor(name: string) {
    super("kubernetes", name, {});
  }
}

class Group extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("fixture:test:Group", name, {}, opts);
    new Raw("kubernetes:core/v1:ConfigMap", `${name}-config`, {}, { parent: this });
    this.registerOutputs({});
  }
}

const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

async function register(type: string, name: string, metadata?: Metadata) {
  const r = new Raw(type, name, metadata);
  const state = await promiseOf(r.metadata);
  const id = await promiseOf(r.id);
  await mocks.settle();
  return { state, id };
}

beforeEach(() => mocks.reset());

describe("mockSuffix", () => {
  it("is 8 hex characters, the same for the same type and name", () => {
    expect(mockSuffix(CONFIGMAP, "cfg")).toMatch(/^[0-9a-f]{8}$/);
    expect(mockSuffix(CONFIGMAP, "cfg")).toBe(mockSuffix(CONFIGMAP, "cfg"));
  });

  it("differs between types and between names", () => {
    expect(mockSuffix(CONFIGMAP, "cfg")).not.toBe(mockSuffix("kubernetes:core/v1:Secret", "cfg"));
    expect(mockSuffix(CONFIGMAP, "cfg")).not.toBe(mockSuffix(CONFIGMAP, "cfg2"));
  });
});

describe("setupMocks", () => {
  it("auto-names a Kubernetes object without metadata.name as <name>-<8 hex>", async () => {
    const { state } = await register(CONFIGMAP, "cfg", { labels: { a: "b" } });
    expect(state?.name).toMatch(/^cfg-[0-9a-f]{8}$/);
    expect(state?.name).toBe(`cfg-${mockSuffix(CONFIGMAP, "cfg")}`);
    expect(state?.labels).toEqual({ a: "b" });
  });

  it("gives the same auto-name every time, so snapshots are stable", async () => {
    const first = (await register(CONFIGMAP, "cfg")).state?.name;
    mocks.reset();
    const second = (await register(CONFIGMAP, "cfg")).state?.name;
    expect(second).toBe(first);
  });

  it("records the inputs as given and the auto-name only in the state", async () => {
    await register(CONFIGMAP, "cfg", {});
    const r = mocks.get(CONFIGMAP, "cfg");
    expect(r.inputs.metadata).toEqual({});
    expect(r.state.metadata.name).toBe(`cfg-${mockSuffix(CONFIGMAP, "cfg")}`);
    expect(r.custom).toBe(true);
  });

  it("keeps an explicit name and namespace", async () => {
    const { state, id } = await register(CONFIGMAP, "cfg", { name: "fixed", namespace: "apps" });
    expect(state).toEqual({ name: "fixed", namespace: "apps" });
    expect(id).toBe("apps/fixed");
  });

  it("puts namespaced kinds in the default namespace and uses namespace/name as the id", async () => {
    const { state, id } = await register(CONFIGMAP, "cfg");
    expect(state?.namespace).toBe("default");
    expect(id).toBe(`default/cfg-${mockSuffix(CONFIGMAP, "cfg")}`);
  });

  it.each(["kubernetes:core/v1:Namespace", "kubernetes:core/v1:Node"])(
    "gives the cluster-scoped kind %s no namespace, and its name as the id",
    async (type) => {
      const { state, id } = await register(type, "thing");
      expect(state?.namespace).toBeUndefined();
      expect(state?.name).toBe(`thing-${mockSuffix(type, "thing")}`);
      expect(id).toBe(state?.name);
    },
  );

  it("leaves resources of other providers and Helm releases alone", async () => {
    const { state, id } = await register("random:index/randomPet:RandomPet", "pet");
    expect(state).toBeUndefined();
    expect(id).toBe("pet-id");
    const helm = await register("kubernetes:helm.sh/v3:Release", "chart");
    expect(helm.state).toBeUndefined();
    expect(helm.id).toBe("chart-id");
    expect(mocks.get("kubernetes:helm.sh/v3:Release", "chart").state).toEqual({});
  });

  it("records registrations in the order they reach the engine", async () => {
    await register(CONFIGMAP, "first");
    await register("kubernetes:core/v1:Secret", "second");
    await register(CONFIGMAP, "third");
    expect(mocks.resources.map((r) => r.name)).toEqual(["first", "second", "third"]);
  });

  it("records components as well as custom resources, and filters by type", async () => {
    new Group("grp");
    new Raw("kubernetes:core/v1:Secret", "creds", {});
    await mocks.settle();
    expect(mocks.resources.map((r) => `${r.type}::${r.name}::${r.custom}`).sort()).toEqual(
      [
        "fixture:test:Group::grp::false",
        `${CONFIGMAP}::grp-config::true`,
        "kubernetes:core/v1:Secret::creds::true",
      ].sort(),
    );
    expect(mocks.ofType(CONFIGMAP).map((r) => r.name)).toEqual(["grp-config"]);
  });

  it("lists URNs that encode the parent chain, project and stack", async () => {
    new Group("grp");
    await mocks.settle();
    expect(mocks.urns()).toEqual(
      expect.arrayContaining([
        "urn:pulumi:unit::fixture::fixture:test:Group::grp",
        `urn:pulumi:unit::fixture::fixture:test:Group$${CONFIGMAP}::grp-config`,
      ]),
    );
  });

  it("forgets what was recorded on reset", async () => {
    await register(CONFIGMAP, "cfg");
    expect(mocks.resources).toHaveLength(1);
    mocks.reset();
    expect(mocks.resources).toEqual([]);
  });

  it("throws from get with the list of what was registered when nothing matches", async () => {
    await register(CONFIGMAP, "cfg");
    await register("kubernetes:core/v1:Namespace", "ns");
    expect(() => mocks.get("kubernetes:core/v1:Secret", "creds")).toThrow(
      "expected one kubernetes:core/v1:Secret named creds, found 0; registered:\n" +
        `  ${CONFIGMAP}::cfg\n` +
        "  kubernetes:core/v1:Namespace::ns",
    );
  });

  it("records the provider reference of a resource that uses an explicit provider", async () => {
    const provider = new Provider("k8s");
    new Raw(CONFIGMAP, "cfg", {}, { provider });
    await mocks.settle();
    const urn = await promiseOf(provider.urn);
    expect(mocks.get(CONFIGMAP, "cfg").provider).toBe(`${urn}::k8s-id`);
  });

  it("settles only after registrations made in later turns of the event loop", async () => {
    setTimeout(() => new Raw(CONFIGMAP, "late", {}), 10);
    await mocks.settle();
    expect(mocks.ofType(CONFIGMAP).map((r) => r.name)).toEqual(["late"]);
  });
});

describe("promiseOf", () => {
  it("resolves a plain value", async () => {
    expect(await promiseOf(42)).toBe(42);
  });

  it("resolves a promise and an Output", async () => {
    expect(await promiseOf(Promise.resolve("a"))).toBe("a");
    expect(await promiseOf(pulumi.output({ b: [1] }))).toEqual({ b: [1] });
  });

  it("resolves a secret Output to its value", async () => {
    expect(await promiseOf(pulumi.secret("s3cr3t"))).toBe("s3cr3t");
  });
});

describe("promiseOf with unknown values", () => {
  it("resolves an unknown output to undefined instead of hanging", async () => {
    const unknown = pulumi.unknown as unknown as pulumi.Input<string>;
    await expect(promiseOf(pulumi.output(unknown))).resolves.toBeUndefined();
  });
});
