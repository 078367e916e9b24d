import type { ImageRecord } from "../src/info";

const digest = (c: string) => `sha256:${c.repeat(64)}`;

/** A complete, valid image.json. */
export const RECORD: ImageRecord = {
  reference: "steady.local/hello:1.0.0-aaaaaaaaaaaa",
  repository: "steady.local/hello",
  tag: "1.0.0-aaaaaaaaaaaa",
  version: "1.0.0",
  digest: digest("a"),
  configDigest: digest("b"),
  layerDigest: digest("c"),
  size: 100,
  unpackedSize: 200,
  archive: "hello.oci.tar",
  archiveSize: 120,
  archiveDigest: digest("d"),
  layout: "oci",
  platform: "linux/amd64",
  nodeVersion: "v20.20.2",
  libraries: ["/lib/x86_64-linux-gnu/libc.so.6"],
  sourceDateEpoch: 0,
  inputsHash: digest("e"),
  builtAt: "2026-01-01T00:00:00.000Z",
  buildMs: 1000,
};
