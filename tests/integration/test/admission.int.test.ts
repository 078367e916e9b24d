import { fixtureStack, stackOf, up } from "./harness";

describe("the API server's admission", () => {
  it("rejects a pod that violates the restricted Pod Security Standard, and pulumi up reports the server's message", async () => {
    await up(
      await stackOf("platform", "dev", "admission", {
        namespace: "steady-admission",
        environment: "admission",
        simulatedNodes: 0,
      }),
    );
    const stack = await fixtureStack("privileged-pod", "admission");
    await stack.setConfig("namespace", { value: "steady-admission" });
    let message = "";
    await stack.up({ onOutput: (s) => (message += s) }).catch((e: Error) => (message += e.message));
    expect(message).toMatch(/violates PodSecurity "restricted:latest": privileged/);
    expect(message).toMatch(/forbidden/i);
    await stack.destroy();
  });
});
