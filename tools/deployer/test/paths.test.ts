import { repoCliChoice, toolchainDir } from "../src/paths";

describe("repoCliChoice", () => {
  it("runs the source-built toolchain by default, as the demo and the tests expect", () => {
    expect(repoCliChoice({})).toEqual({ mode: "toolchain", dir: toolchainDir() });
    expect(repoCliChoice({ STEADY_USE_TOOLCHAIN: "1" })).toEqual({
      mode: "toolchain",
      dir: toolchainDir(),
    });
  });

  it("runs the pulumi on PATH when STEADY_USE_TOOLCHAIN=0 (the deploy jobs' official CLI)", () => {
    expect(repoCliChoice({ STEADY_USE_TOOLCHAIN: "0" })).toEqual({ mode: "path" });
  });
});
