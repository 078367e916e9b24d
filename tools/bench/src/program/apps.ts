// The API groups this file uses, not the package index: the index loads all of
// @pulumi/kubernetes (123 modules, 9 this way), which delays the program's start
// (docs/performance.md, "Start-up").
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import type * as pulumi from "@pulumi/pulumi";
import { registrationsSent } from "@steady/core";
import {
  AppDeployment,
  buildAppManifests,
  buildConfigMapManifest,
  resolveAppDeployment,
  type AppDeploymentArgs,
} from "@steady/deployment";
import type { BenchConfig } from "./config";

/** Logical name of the i-th app (0-based). */
export const appName = (i: number) => `app-${i}`;

/** The bench stack's provider: server-side apply, the ambient kubeconfig. */
export function benchProvider(): Provider {
  return new Provider("cluster", { enableServerSideApply: true });
}

/**
 * Declares the bench stack: its provider first, then, once the provider's registration has gone
 * out (so the engine starts the provider plugin while the apps are built), the apps of
 * {@link benchApps}.
 */
export async function benchStack(
  cfg: BenchConfig,
): Promise<{ deploymentNames: pulumi.Output<string>[] }> {
  const provider = benchProvider();
  await registrationsSent();
  return benchApps(cfg, provider);
}

/**
 * Declares `cfg.apps` AppDeployments with the component's defaults on `provider`, each with a
 * small config (so each has the hashed ConfigMap the sample app has). Returns the Deployments'
 * generated names.
 */
export function benchApps(
  cfg: BenchConfig,
  provider: Provider = benchProvider(),
): { deploymentNames: pulumi.Output<string>[] } {
  if (cfg.plain) return plainApps(cfg, provider);
  const apps = Array.from(
    { length: cfg.apps },
    (_, i) => new AppDeployment(appName(i), appArgs(cfg, i), { provider }),
  );
  return { deploymentNames: apps.map((a) => a.deploymentName) };
}

/** The args of the i-th app. */
function appArgs(cfg: BenchConfig, i: number): AppDeploymentArgs {
  return {
    namespace: cfg.namespace,
    image: `steady/hello:${cfg.version}`,
    version: cfg.version,
    replicas: cfg.replicas,
    rollout: { minReadySeconds: cfg.minReadySeconds },
    config: { greeting: `Hello from ${appName(i)}` },
  };
}

/**
 * The same objects as {@link benchApps}, validated and built by the same functions, registered
 * as plain resources (no component, no parent): what the SDK costs for them on its own.
 */
function plainApps(
  cfg: BenchConfig,
  provider: Provider,
): { deploymentNames: pulumi.Output<string>[] } {
  const deploymentNames = Array.from({ length: cfg.apps }, (_, i) => {
    const name = appName(i);
    const app = resolveAppDeployment(name, appArgs(cfg, i));
    const configMap = new corev1.ConfigMap(`${name}-config`, buildConfigMapManifest(app)!, {
      provider,
    });
    const m = buildAppManifests(app, configMap.metadata.name);
    const deployment = new appsv1.Deployment(name, m.deployment, { provider });
    new corev1.Service(`${name}-svc`, m.service, { provider });
    new policyv1.PodDisruptionBudget(`${name}-pdb`, m.podDisruptionBudget!, { provider });
    return deployment.metadata.name;
  });
  return { deploymentNames };
}
