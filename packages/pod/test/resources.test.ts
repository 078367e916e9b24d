import { buildPodSpec, effectiveResources, validatePodSpecArgs } from "../src";

describe("effectiveResources", () => {
  it.each([
    ["nothing given", undefined, { cpu: "50m", memory: "64Mi" }, { memory: "128Mi" }],
    [
      "a request above the default limit",
      { requests: { memory: "512Mi" } },
      { cpu: "50m", memory: "512Mi" },
      { memory: "512Mi" },
    ],
    [
      "a limit below the default request",
      { limits: { memory: "32Mi" } },
      { cpu: "50m", memory: "32Mi" },
      { memory: "32Mi" },
    ],
    [
      "a CPU limit below the default request",
      { limits: { cpu: "25m" } },
      { cpu: "25m", memory: "64Mi" },
      { cpu: "25m", memory: "128Mi" },
    ],
    [
      "both sides given",
      { requests: { cpu: "1" }, limits: { cpu: "2" } },
      { cpu: "1", memory: "64Mi" },
      { cpu: "2", memory: "128Mi" },
    ],
  ])("never lets a default contradict %s", (_, given, requests, limits) => {
    expect(effectiveResources(given)).toEqual({ requests, limits });
  });
});

describe("resources and mounts the API server would reject", () => {
  const c = { name: "app", image: "example.com/app:1" };

  it("builds a spec whose requests never exceed its limits when only one side is given", () => {
    const spec = buildPodSpec({
      containers: [{ ...c, resources: { requests: { memory: "512Mi" } } }],
    }) as any; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(spec.containers[0].resources).toEqual({
      requests: { cpu: "50m", memory: "512Mi" },
      limits: { memory: "512Mi" },
    });
  });

  it("rejects a mount at /tmp while the /tmp volume is on", () => {
    const problems = validatePodSpecArgs({
      containers: [{ ...c, volumeMounts: [{ volume: "cache", mountPath: "/tmp" }] }],
      volumes: [{ name: "cache", emptyDir: {} }],
    });
    expect(problems.list).toEqual([
      {
        propertyPath: "containers[0].volumeMounts",
        reason:
          "/tmp is already the writable /tmp volume's mount path: mount elsewhere or set tmpVolume: false",
      },
    ]);
  });

  it("rejects two mounts at one path", () => {
    const problems = validatePodSpecArgs({
      containers: [
        {
          ...c,
          volumeMounts: [
            { volume: "a", mountPath: "/data" },
            { volume: "b", mountPath: "/data" },
          ],
        },
      ],
      volumes: [
        { name: "a", emptyDir: {} },
        { name: "b", emptyDir: {} },
      ],
    });
    expect(problems.list).toEqual([
      { propertyPath: "containers[0].volumeMounts", reason: "mount path /data is used twice" },
    ]);
  });
});
