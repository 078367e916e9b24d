import * as pulumi from "@pulumi/pulumi";
import { promiseOf, setupMocks } from "../src";

const mocks = setupMocks({
  stackReferences: {
    "acme/platform/dev": { namespaceName: "apps-dev", nodeNames: ["n-0", "n-1"] },
  },
});

describe("setupMocks with stack references", () => {
  it("answers a StackReference with the outputs given for its name", async () => {
    const ref = new pulumi.StackReference("acme/platform/dev");
    expect(await promiseOf(ref.getOutput("namespaceName"))).toBe("apps-dev");
    expect(await promiseOf(ref.getOutput("nodeNames"))).toEqual(["n-0", "n-1"]);
    await mocks.settle();
    expect(mocks.ofType("pulumi:pulumi:StackReference")).toHaveLength(1);
  });
});
