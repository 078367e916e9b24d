import { join } from "node:path";

/**
 * Where a run keeps what it writes besides the stack: the reviewed plans (`plans/`) and the
 * rollout reports (`reports/`). STEADY_STATE_DIR when set, else `.steady` in the current
 * directory (the CLI uses `.steady` in `--cwd`, next to the project's Pulumi.yaml). Nothing
 * secret is written there: plans hold only what the preview shows.
 */
export function defaultStateDir(): string {
  return process.env.STEADY_STATE_DIR ?? join(process.cwd(), ".steady");
}
