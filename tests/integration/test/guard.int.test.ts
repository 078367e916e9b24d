import type { Stack } from "@pulumi/pulumi/automation";
import { ReplacementRefused, guardedPreview, guardedUp } from "@steady/deployer";
import { client, fixtureStack, list, stackOf, up } from "./harness";

const NS = "steady-guard";
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
  await up(
    await stackOf("platform", "dev", "guard", {
      namespace: NS,
      environment: "guard",
      simulatedNodes: 1,
    }),
  );
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
