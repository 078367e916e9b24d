import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
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

/**
 * Declares the bench stack: one provider (server-side apply, the ambient kubeconfig) and
 * `cfg.apps` AppDeployments with the component's defaults, each with a small config (so each has
 * the hashed ConfigMap the sample app has). Returns the Deployments' generated names.
 */
export function benchApps(cfg: BenchConfig): { deploymentNames: pulumi.Output<string>[] } {
  const provider = new k8s.Provider("cluster", { enableServerSideApply: true });
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
  provider: k8s.Provider,
): { deploymentNames: pulumi.Output<string>[] } {
  const deploymentNames = Array.from({ length: cfg.apps }, (_, i) => {
    const name = appName(i);
    const app = resolveAppDeployment(name, appArgs(cfg, i));
    const configMap = new k8s.core.v1.ConfigMap(`${name}-config`, buildConfigMapManifest(app)!, {
      provider,
    });
    const m = buildAppManifests(app, configMap.metadata.name);
    const deployment = new k8s.apps.v1.Deployment(name, m.deployment, { provider });
    new k8s.core.v1.Service(`${name}-svc`, m.service, { provider });
    new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, m.podDisruptionBudget!, { provider });
    return deployment.metadata.name;
  });
  return { deploymentNames };
}
