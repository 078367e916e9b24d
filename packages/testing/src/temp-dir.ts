import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * A fresh temporary directory for each test of the enclosing `describe`, removed after it
 * (jest's `beforeEach`/`afterEach`): `const t = useTempDir();`, then `t.dir` inside the tests.
 *
 * @param prefix start of the directory's name under the OS temp directory.
 */
export function useTempDir(prefix = "steady-test-"): { readonly dir: string } {
  let current: string | undefined;
  beforeEach(() => {
    current = mkdtempSync(join(tmpdir(), prefix));
  });
  afterEach(() => {
    if (current) rmSync(current, { recursive: true, force: true });
    current = undefined;
  });
  return {
    get dir(): string {
      if (current === undefined) throw new Error("useTempDir: t.dir is only set inside a test");
      return current;
    },
  };
}
