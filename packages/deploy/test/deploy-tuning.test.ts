import {
  DEPLOY_TUNING_DEFAULTS,
  formatTuning,
  resolveDeployTuning,
  resourcesInChanges,
  resourcesInState,
} from "../src";

describe("resolveDeployTuning", () => {
  const none = {};
  it.each([
    [
      "a stack never deployed gets Pulumi's default",
      { resources: 0 },
      8,
      "Pulumi's default, 4 × 2 CPUs, for 0 resources",
    ],
    [
      "few resources keep Pulumi's default as the floor",
      { resources: 7 },
      8,
      "Pulumi's default, 4 × 2 CPUs, for 7 resources",
    ],
    [
      "an update of 252 resources gets one slot per resource",
      { resources: 252 },
      252,
      "one per resource: 252",
    ],
    ["an unknown count gets Pulumi's default", {}, 8, "Pulumi's default, 4 × 2 CPUs"],
    ["--parallel wins over the count", { parallel: 3, resources: 252 }, 3, "--parallel"],
  ])("%s", (_what, inputs, parallel, from) => {
    const t = resolveDeployTuning({ ...inputs, env: none, cpus: 2 });
    expect(t.parallel).toBe(parallel);
    expect(t.parallelFrom).toBe(from);
  });

  it("takes PULUMI_PARALLEL over the count, and --parallel over PULUMI_PARALLEL", () => {
    const env = { PULUMI_PARALLEL: "16" };
    expect(resolveDeployTuning({ resources: 252, env, cpus: 2 })).toMatchObject({
      parallel: 16,
      parallelFrom: "PULUMI_PARALLEL",
    });
    expect(resolveDeployTuning({ parallel: 4, resources: 252, env, cpus: 2 }).parallel).toBe(4);
  });

  it("sets the provider's client limits when the user set neither", () => {
    const t = resolveDeployTuning({ env: none, cpus: 2 });
    expect(t.env).toEqual({ PULUMI_K8S_CLIENT_QPS: "500", PULUMI_K8S_CLIENT_BURST: "1000" });
    expect([t.clientQps, t.clientBurst]).toEqual([
      DEPLOY_TUNING_DEFAULTS.clientQps,
      DEPLOY_TUNING_DEFAULTS.clientBurst,
    ]);
    expect(formatTuning(t)).toBe(
      "parallel 8 (Pulumi's default, 4 × 2 CPUs); provider client QPS 500, burst 1000 (steady-deploy's defaults)",
    );
  });

  it("never overrides a client limit the user set, each on its own", () => {
    const t = resolveDeployTuning({ env: { PULUMI_K8S_CLIENT_QPS: "20.5" }, cpus: 2 });
    expect(t.env).toEqual({ PULUMI_K8S_CLIENT_BURST: "1000" });
    expect(t.clientQps).toBe(20.5);
    expect(t.clientFrom).toBe("from PULUMI_K8S_CLIENT_QPS");
  });

  it("gives the program a Node.js compile cache in the state directory, unless the user chose", () => {
    const withDir = (env: NodeJS.ProcessEnv) =>
      resolveDeployTuning({ env, cpus: 2, stateDir: "/p/.steady" }).env["NODE_COMPILE_CACHE"];
    expect(withDir(none)).toBe("/p/.steady/node-compile-cache");
    expect(withDir({ NODE_COMPILE_CACHE: "/mine" })).toBeUndefined();
    expect(withDir({ NODE_DISABLE_COMPILE_CACHE: "1" })).toBeUndefined();
    expect(resolveDeployTuning({ env: none, cpus: 2 }).env["NODE_COMPILE_CACHE"]).toBeUndefined();
  });

  it("names every bad value of the environment at once", () => {
    expect(() =>
      resolveDeployTuning({
        env: {
          PULUMI_PARALLEL: "many",
          PULUMI_K8S_CLIENT_QPS: "-1",
          PULUMI_K8S_CLIENT_BURST: "1.5",
        },
      }),
    ).toThrow(
      'bad tuning in the environment: PULUMI_PARALLEL="many": expected a positive whole number; PULUMI_K8S_CLIENT_QPS="-1": expected a positive number; PULUMI_K8S_CLIENT_BURST="1.5": expected a positive whole number',
    );
  });
});

describe("resource counts", () => {
  it("counts every step of a preview's change summary, unchanged ones too", () => {
    expect(resourcesInChanges({ create: 250, same: 2, update: 0 })).toBe(252);
  });
  it("counts the resources of an exported state, 0 for none", () => {
    expect(resourcesInState({ deployment: { resources: [{}, {}, {}] } })).toBe(3);
    expect(resourcesInState({ deployment: {} })).toBe(0);
    expect(resourcesInState(undefined)).toBe(0);
  });
});
