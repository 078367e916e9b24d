import {
  appImageName,
  checkRepository,
  contentTag,
  formatReference,
  isSha256Digest,
} from "../src/reference";

const DIGEST = "sha256:3f2a9c0d1b7e44556677889900aabbccddeeff00112233445566778899aabbcc";

describe("formatReference", () => {
  it("is <repository>:<version>-<first 12 hex of the digest>", () => {
    expect(formatReference("steady.local/hello", "1.0.0", DIGEST)).toBe(
      "steady.local/hello:1.0.0-3f2a9c0d1b7e",
    );
    expect(contentTag("2.1.0-rc.1", DIGEST)).toBe("2.1.0-rc.1-3f2a9c0d1b7e");
  });

  it.each([
    ["", 'version "" cannot be part of an image tag'],
    ["1.0.0+build.5", 'version "1.0.0+build.5" cannot be part of an image tag'],
    [".1", 'version ".1" cannot be part of an image tag'],
    ["v 1", 'version "v 1" cannot be part of an image tag'],
    ["x".repeat(116), "cannot be part of an image tag: expected 1 to 115 letters"],
  ])("rejects the version %j", (version, message) => {
    expect(() => contentTag(version, DIGEST)).toThrow(message);
  });

  it("accepts the longest version that keeps the tag within 128 characters", () => {
    expect(contentTag("x".repeat(115), DIGEST)).toHaveLength(128);
  });

  it.each(["sha256:abc", "sha512:" + "0".repeat(64), DIGEST.toUpperCase(), "3f2a"])(
    "rejects the digest %j",
    (digest) => {
      expect(() => contentTag("1.0.0", digest)).toThrow(
        `digest ${JSON.stringify(digest)} is not valid: expected sha256:<64 hex digits>`,
      );
      expect(isSha256Digest(digest)).toBe(false);
    },
  );

  it.each([
    "steady.local/hello",
    "localhost:5000/a/b-c",
    "hello",
    "registry.example.com/team/app_x",
  ])("accepts the repository %j", (repo) => expect(checkRepository(repo)).toBe(repo));

  it.each(["Steady/Hello", "steady.local/", "steady.local//x", "bad host!/x", "a/-b"])(
    "rejects the repository %j, saying what is valid",
    (repo) => {
      expect(() => formatReference(repo, "1.0.0", DIGEST)).toThrow(
        `repository ${JSON.stringify(repo)} is not valid: expected [host[:port]/]path`,
      );
    },
  );
});

describe("appImageName", () => {
  it.each([
    ["@steady/hello", "hello"],
    ["hello", "hello"],
    ["@x/my-app.v2", "my-app.v2"],
  ])("names %j %j", (pkg, name) => expect(appImageName(pkg)).toBe(name));

  it.each(["@steady/Hello", "@steady/", "a b"])("rejects %j", (pkg) => {
    expect(() => appImageName(pkg)).toThrow(
      `package name ${JSON.stringify(pkg)} cannot name an image`,
    );
  });
});
