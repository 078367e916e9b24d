import { cliEnv } from "@steady/deploy";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { repoCliChoice, stateDir } from "./paths";

/**
 * Passphrase of the local file backend's stacks. It protects nothing: it exists so the local
 * stacks can hold `secure:` values. Use your own (or Pulumi Cloud) anywhere else.
 */
export const LOCAL_PASSPHRASE = "steady-local-only";

/**
 * Environment for the Pulumi CLI: the toolchain's binaries first on PATH (the provider plugin is
 * found there, never downloaded), no update check, the local file backend and passphrase unless
 * the caller already chose others, and the cluster's kubeconfig when given.
 */
export function pulumiEnv(opts: { kubeconfig?: string } = {}): Record<string, string> {
  const localBackend = join(stateDir(), "pulumi-state");
  // The file backend needs its directory to exist.
  if (!process.env.PULUMI_BACKEND_URL) mkdirSync(localBackend, { recursive: true });
  const env: Record<string, string> = {
    // @steady/deploy's toolchain mode (its bin first on PATH, plugin downloads off), or the
    // user's own CLI when STEADY_USE_TOOLCHAIN=0.
    ...cliEnv(repoCliChoice()),
    PULUMI_BACKEND_URL: process.env.PULUMI_BACKEND_URL ?? `file://${localBackend}`,
    PULUMI_CONFIG_PASSPHRASE: process.env.PULUMI_CONFIG_PASSPHRASE ?? LOCAL_PASSPHRASE,
  };
  const kubeconfig = opts.kubeconfig ?? process.env.KUBECONFIG;
  if (kubeconfig) env.KUBECONFIG = kubeconfig;
  return env;
}
