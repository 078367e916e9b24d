#!/usr/bin/env node
// Runs the bench program (N AppDeployments) under Pulumi mocks in a fresh process and, when the
// process exits, prints one line `MOCK_RUN {json}`: when the process started, when the program
// was about to load, when the last resource was registered (epoch milliseconds) and how many
// were. With `--manifests FILE` it also writes the Kubernetes objects the program registered,
// auto-named the way the mocks of the unit tests name them, for `kubectl apply`.
//
// With `--ts` the program is loaded from its TypeScript source through ts-node, registered the way
// Pulumi's Node.js runtime registers it for a TypeScript project (the project's tsconfig; type
// checking unless TS_NODE_TRANSPILE_ONLY=true).
//
// Usage: node dist/mock-run.js '{"apps":"10","namespace":"bench","version":"v1"}' [--ts] [--manifests FILE]
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import * as pulumi from "@pulumi/pulumi";
import { mockSuffix } from "@steady/testing";
import { BENCH_PROJECT } from "./program/config";

/** Prefix of the line the parent looks for. */
export const MOCK_RUN_MARKER = "MOCK_RUN";

const now = () => performance.timeOrigin + performance.now();

const USAGE =
  "usage: mock-run '<config as JSON: apps, namespace, version, ...>' [--ts] [--manifests FILE]";

function main(argv: string[]): void {
  const [configJson, ...rest] = argv;
  let ts = false;
  let manifestsFile: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === "--ts") ts = true;
    else if (rest[i] === "--manifests" && rest[i + 1]) manifestsFile = rest[++i];
    else throw new Error(`unexpected argument ${JSON.stringify(rest[i])}\n${USAGE}`);
  }
  if (!configJson) throw new Error(USAGE);
  const raw = JSON.parse(configJson) as Record<string, unknown>;
  const objects: Record<string, unknown>[] = [];
  let resources = 0;
  let lastRegister = 0;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        resources += 1;
        lastRegister = now();
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const state: Record<string, any> = { ...args.inputs };
        if (args.type.startsWith("kubernetes:")) {
          state.metadata = {
            ...state.metadata,
            name: state.metadata?.name ?? `${args.name}-${mockSuffix(args.type, args.name)}`,
          };
          if (manifestsFile) objects.push(state);
        }
        return { id: `${args.name}-id`, state };
      },
      call: (args) => args.inputs,
    },
    BENCH_PROJECT,
    "bench",
    false,
  );
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(raw).map(([k, v]) => [`${BENCH_PROJECT}:${k}`, String(v)])),
  );
  const programStart = now();
  process.on("exit", () => {
    if (manifestsFile) {
      writeFileSync(
        manifestsFile,
        JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }),
      );
    }
    const line = {
      processStart: performance.timeOrigin,
      programStart,
      lastRegister,
      resources,
      manifests: manifestsFile ? objects.length : undefined,
    };
    process.stdout.write(`${MOCK_RUN_MARKER} ${JSON.stringify(line)}\n`);
  });
  // The program loads only now, after the mocks are in place: required, not imported.
  /* eslint-disable @typescript-eslint/no-require-imports */
  if (ts) {
    const root = join(__dirname, "..");
    require("ts-node").register({ project: join(root, "tsconfig.build.json") });
    require(join(root, "src", "program", "index.ts"));
  } else {
    require("./program");
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`mock-run: ${(e as Error).message}\n`);
    process.exit(2);
  }
}
