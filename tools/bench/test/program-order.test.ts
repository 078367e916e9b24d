import { setupMocks } from "@steady/testing";
import { benchStack } from "../src/program/apps";
import { parseBenchConfig } from "../src/program/config";

/** How many providers the mocked engine had received each time an app was built. */
const mockProvidersAtBuild: number[] = [];
const mockCount = { providers: () => 0 };

jest.mock("@steady/deployment", () => {
  const actual = jest.requireActual("@steady/deployment");
  return {
    ...actual,
    AppDeployment: class extends actual.AppDeployment {
      constructor(...args: ConstructorParameters<typeof actual.AppDeployment>) {
        mockProvidersAtBuild.push(mockCount.providers());
        super(...args);
      }
    },
  };
});

const mocks = setupMocks({ project: "steady-bench" });
mockCount.providers = () => mocks.ofType("pulumi:providers:kubernetes").length;

describe("the bench program's start", () => {
  it("sends the provider's registration before it builds the apps, so the plugin starts meanwhile", async () => {
    const out = await benchStack(
      parseBenchConfig({
        "steady-bench:apps": "2",
        "steady-bench:namespace": "bench",
        "steady-bench:version": "v1",
      }),
    );
    await mocks.settle();
    expect(out.deploymentNames).toHaveLength(2);
    expect(mockProvidersAtBuild).toEqual([1, 1]);
  });
});
