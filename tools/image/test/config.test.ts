import { etcFiles, imageConfig, ociArchitecture, rfc3339, umociConfigArgs } from "../src/config";

const config = imageConfig({
  name: "hello",
  version: "1.0.0",
  nodeVersion: "v20.20.2",
  arch: "x64",
  sourceDateEpoch: 0,
});

describe("imageConfig", () => {
  it("matches the Dockerfile: node dist/main.js in /app as 10001, port 8080, SIGTERM", () => {
    expect(config).toEqual({
      entrypoint: ["/usr/local/bin/node", "dist/main.js"],
      workingDir: "/app",
      user: "10001:10001",
      env: ["PATH=/usr/local/bin:/usr/bin:/bin", "NODE_ENV=production"],
      exposedPorts: ["8080/tcp"],
      stopSignal: "SIGTERM",
      labels: {
        "dev.steady.node.version": "v20.20.2",
        "org.opencontainers.image.title": "hello",
        "org.opencontainers.image.version": "1.0.0",
      },
      architecture: "amd64",
      os: "linux",
      created: "1970-01-01T00:00:00Z",
    });
  });

  it("turns into umoci config flags, the created time on the config and its history entry", () => {
    const args = umociConfigArgs(config);
    const pairs = [];
    for (let i = 0; i < args.length; i += 2) pairs.push(`${args[i]} ${args[i + 1]}`);
    expect(pairs).toEqual([
      "--created 1970-01-01T00:00:00Z",
      "--architecture amd64",
      "--os linux",
      "--config.workingdir /app",
      "--config.user 10001:10001",
      "--config.stopsignal SIGTERM",
      "--history.created 1970-01-01T00:00:00Z",
      "--history.created_by steady-image config",
      "--config.entrypoint /usr/local/bin/node",
      "--config.entrypoint dist/main.js",
      "--config.env PATH=/usr/local/bin:/usr/bin:/bin",
      "--config.env NODE_ENV=production",
      "--config.exposedports 8080/tcp",
      "--config.label dev.steady.node.version=v20.20.2",
      "--config.label org.opencontainers.image.title=hello",
      "--config.label org.opencontainers.image.version=1.0.0",
    ]);
  });
});

describe("rfc3339", () => {
  it.each([
    [0, "1970-01-01T00:00:00Z"],
    [1700000000, "2023-11-14T22:13:20Z"],
  ])("formats %d as %s", (s, text) => expect(rfc3339(s)).toBe(text));

  it.each([-1, 1.5, Number.NaN])("rejects %d", (s) => {
    expect(() => rfc3339(s)).toThrow(
      `source date ${s} is not valid: expected a non-negative integer of seconds`,
    );
  });
});

describe("ociArchitecture", () => {
  it.each([
    ["x64", "amd64"],
    ["arm64", "arm64"],
    ["ia32", "386"],
  ])("maps %s to %s", (node, oci) => expect(ociArchitecture(node)).toBe(oci));

  it("names the unsupported architecture and the supported ones", () => {
    expect(() => ociArchitecture("mips")).toThrow(
      'architecture "mips" is not supported: expected one of x64, arm64',
    );
  });
});

describe("etcFiles", () => {
  it("defines root and the app's user and group 10001, and keeps lookups to files and DNS", () => {
    const files = Object.fromEntries(etcFiles().map((f) => [f.path, f.content]));
    expect(files["/etc/passwd"]).toBe(
      "root:x:0:0:root:/root:/sbin/nologin\napp:x:10001:10001:app:/app:/sbin/nologin\n",
    );
    expect(files["/etc/group"]).toBe("root:x:0:\napp:x:10001:\n");
    expect(files["/etc/nsswitch.conf"]).toBe("passwd: files\ngroup: files\nhosts: files dns\n");
  });
});
