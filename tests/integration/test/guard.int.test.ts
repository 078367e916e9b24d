import type { Stack } from "@pulumi/pulumi/automation";
import { ReplacementRefused, guardedPreview, guardedUp } from "@steady/deploy";
import { client, fixtureStack, list, stackOf, up, type Obj } from "./harness";

const NS = "steady-guard";
/** The platform stack's config in this file; the namespace test previews a rename of it. */
const PLATFORM = { namespace: NS, environment: "guard", simulatedNodes: 1 };
let stack: Stack;

async function configure(values: Record<string, string>) {
  for (const key of ["image", "selector", "fixedName"])
    await stack.removeConfig(key).catch(() => undefined);
  for (const [k, v] of Object.entries(values)) await stack.setConfig(k, { value: v });
}

async function refusal(
  values: Record<string, string>,
  allow: string[] = [],
): Promise<ReplacementRefused | undefined> {
  await configure(values);
  try {
    await guardedPreview(stack, { allow });
    return undefined;
  } catch (e) {
    if (e instanceof ReplacementRefused) return e;
    throw e;
  }
}

beforeAll(async () => {
  await up(await stackOf("platform", "dev", "guard", PLATFORM));
  stack = await fixtureStack("guard-target", "guard");
  await stack.setConfig("namespace", { value: NS });
  await configure({});
  await stack.up();
});

afterAll(async () => {
  await stack?.destroy().catch(() => undefined);
});

describe("the replacement guard on a real preview", () => {
  it("lets an image change through, and up applies exactly the reviewed plan", async () => {
    expect(await refusal({ image: "steady/hello:2.0.0" })).toBeUndefined();
    await guardedUp(stack);
    const kube = client();
    try {
      const [d] = await list(kube, "apis/apps/v1", NS, "deployments");
      expect(d!.spec.template.spec.containers[0].image).toBe("steady/hello:2.0.0");
    } finally {
      kube.close();
    }
  });

  it("stops a selector change before anything is applied and names the selector as the cause", async () => {
    const e = await refusal({ image: "steady/hello:2.0.0", selector: "renamed" });
    expect(e?.offenders.map((o) => [o.type, o.op])).toEqual([
      ["kubernetes:apps/v1:Deployment", "replace"],
    ]);
    expect(e!.offenders[0]!.causes.join(" ")).toMatch(/spec\.selector/);
    expect(e!.message).toContain("--allow");
  });

  it("stops a fixed-name change and names metadata.name as the cause", async () => {
    const e = await refusal({ image: "steady/hello:2.0.0", fixedName: "web-fixed" });
    expect(e?.offenders.map((o) => o.type)).toEqual(["kubernetes:apps/v1:Deployment"]);
    expect(e!.offenders[0]!.causes.join(" ")).toMatch(/metadata\.name/);
  });

  it("lets an explicitly allowed replacement through", async () => {
    const urn = String((await stack.outputs()).deploymentUrn!.value);
    expect(
      await refusal({ image: "steady/hello:2.0.0", selector: "renamed" }, [urn]),
    ).toBeUndefined();
  });
});

describe("the replacement guard on a real preview of the platform", () => {
  type Namespace = Obj & { metadata: { uid: string; resourceVersion: string } };

  it("refuses a rename of the namespace before anything is applied, and the namespace and the apps in it stay", async () => {
    const kube = client();
    const renamed = `${NS}-renamed`;
    try {
      const before = await kube.get<Namespace>(`/api/v1/namespaces/${NS}`);
      const apps = (await list(kube, "apis/apps/v1", NS, "deployments")).map(
        (d) => d.metadata.name,
      );
      expect(apps.length).toBeGreaterThan(0);
      const platform = await stackOf("platform", "dev", "guard", {
        ...PLATFORM,
        namespace: renamed,
      });
      const updates = (await platform.history()).length;

      const e = await guardedPreview(platform).then(
        () => new Error("the guarded preview let the namespace rename through"),
        (err: Error) => err,
      );

      expect(e).toBeInstanceOf(ReplacementRefused);
      const refused = e as ReplacementRefused;
      expect(refused.offenders.map((o) => [o.type, o.op])).toEqual([
        ["kubernetes:core/v1:Namespace", "replace"],
      ]);
      expect(refused.offenders[0]!.causes.join(" ")).toMatch(/metadata\.name/);
      expect(refused.message).toContain("Kubernetes deletes every object in it");
      // Nothing was applied: no update in the stack's history, the namespace is the same
      // object, unchanged and not terminating, the new one was never created, and the apps in
      // it are all still there.
      expect((await platform.history()).length).toBe(updates);
      const after = await kube.get<Namespace>(`/api/v1/namespaces/${NS}`);
      expect(after.metadata.uid).toBe(before.metadata.uid);
      expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
      expect(after.metadata.deletionTimestamp).toBeUndefined();
      await expect(kube.get(`/api/v1/namespaces/${renamed}`)).rejects.toMatchObject({
        statusCode: 404,
      });
      expect(
        (await list(kube, "apis/apps/v1", NS, "deployments")).map((d) => d.metadata.name),
      ).toEqual(apps);
    } finally {
      kube.close();
      // Put the stack's config back for whoever opens it next.
      await stackOf("platform", "dev", "guard", PLATFORM);
    }
  });
});
