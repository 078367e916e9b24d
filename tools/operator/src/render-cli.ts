#!/usr/bin/env node
import { repoRoot } from "@steady/deployer";
import { staleOperatorFiles, writeOperatorFiles } from "./render";

/** `render [--check]`: writes deploy/operator/stacks/*.yaml, or with --check lists stale ones. */
function main(argv: readonly string[]): number {
  const root = repoRoot();
  if (argv.includes("--check")) {
    const stale = staleOperatorFiles(root);
    for (const f of stale)
      console.error(
        `stale: ${f} (run: npm run build -w @steady/operator && npm run render -w @steady/operator)`,
      );
    if (stale.length === 0) console.log("deploy/operator is up to date");
    return stale.length ? 1 : 0;
  }
  for (const f of writeOperatorFiles(root)) console.log(`wrote ${f}`);
  return 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
