import { deploymentsInState } from "../src";

describe("deploymentsInState", () => {
  it("finds each Deployment's namespace, name and selector in an exported state", () => {
    const state = {
      deployment: {
        resources: [
          { type: "pulumi:pulumi:Stack" },
          {
            type: "kubernetes:apps/v1:Deployment",
            outputs: {
              metadata: { name: "web-1a2b", namespace: "apps" },
              spec: { selector: { matchLabels: { app: "web" } } },
            },
          },
          {
            type: "kubernetes:core/v1:Service",
            outputs: { metadata: { name: "web-svc", namespace: "apps" } },
          },
        ],
      },
    };
    expect(deploymentsInState(state)).toEqual([
      { namespace: "apps", name: "web-1a2b", selector: { app: "web" } },
    ]);
  });

  it("returns nothing for a stack that was never deployed", () => {
    expect(deploymentsInState({ deployment: {} })).toEqual([]);
    expect(deploymentsInState(undefined)).toEqual([]);
  });
});
