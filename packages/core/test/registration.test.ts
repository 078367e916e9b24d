import * as pulumi from "@pulumi/pulumi";
import { registrationsSent } from "../src/registration";

class Thing extends pulumi.CustomResource {
  constructor(name: string) {
    super("test:index:Thing", name, {});
  }
}

describe("registrationsSent", () => {
  const registered: string[] = [];

  beforeAll(async () => {
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.push(args.name);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "core",
      "test",
      false,
    );
  });

  it("resolves after the registration of a resource declared before it has been sent", async () => {
    new Thing("provider-like");
    // Declaring a resource does not send its registration: the SDK prepares it asynchronously.
    expect(registered).toEqual([]);
    await registrationsSent();
    expect(registered).toEqual(["provider-like"]);
  });
});
