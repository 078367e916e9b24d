// The API groups this file uses, not the package index: the index loads all of
// @pulumi/kubernetes (123 modules, 9 this way), which delays the program's start
// (docs/performance.md, "Start-up").
import { Provider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import { AppDeployment } from "@steady/deployment";
import { parseNodeSelector, parseTolerations, type AppConfig } from "./config";

/** Declares the sample app from parsed config; returns the stack outputs. */
export function sampleApp(cfg: AppConfig) {
  const platform = cfg.platformStack ? new pulumi.StackReference(cfg.platformStack) : undefined;
  const namespace =
    cfg.namespace ?? (platform!.requireOutput("namespace") as pulumi.Output<string>);
  const provider = new Provider("cluster", {
    ...(cfg.kubeconfig !== undefined ? { kubeconfig: pulumi.secret(cfg.kubeconfig) } : {}),
    ...(cfg.context !== undefined ? { context: cfg.context } : {}),
    enableServerSideApply: true,
  });
  const app = new AppDeployment(
    "hello",
    {
      namespace,
      image: cfg.image,
      version: cfg.version,
      replicas: cfg.replicas,
      autoscaling:
        cfg.maxReplicas !== undefined
          ? {
              minReplicas: cfg.minReplicas ?? 1,
              maxReplicas: cfg.maxReplicas,
              targetCPUUtilizationPercentage: cfg.targetCpuUtilization,
            }
          : undefined,
      disruptionBudget: cfg.disruptionBudget === false ? false : undefined,
      topologySpread: cfg.topologySpread === false ? false : undefined,
      rollout: {
        maxSurge: cfg.maxSurge,
        minReadySeconds: cfg.minReadySeconds,
        progressDeadlineSeconds: cfg.progressDeadlineSeconds,
      },
      preStopSleepSeconds: cfg.preStopSleepSeconds,
      drainSeconds: cfg.drainSeconds,
      nodeLossTolerationSeconds: cfg.nodeLossTolerationSeconds,
      config: cfg.greeting !== undefined ? { greeting: cfg.greeting } : undefined,
      nodeSelector:
        cfg.nodeSelector !== undefined ? parseNodeSelector(cfg.nodeSelector) : undefined,
      tolerations: cfg.tolerations !== undefined ? parseTolerations(cfg.tolerations) : undefined,
      canary:
        cfg.canaryImage !== undefined
          ? {
              image: cfg.canaryImage,
              version: cfg.canaryVersion,
              replicas: cfg.canaryReplicas,
              weightPercent: cfg.canaryWeightPercent,
              env:
                cfg.canaryFailureRatio !== undefined
                  ? { HELLO_FAILURE_RATIO: cfg.canaryFailureRatio }
                  : undefined,
            }
          : undefined,
    },
    { provider },
  );
  return {
    namespace: app.namespace,
    deploymentName: app.deploymentName,
    serviceName: app.serviceName,
    url: app.url,
    version: cfg.version,
    configHash: app.configHash,
    selector: app.selector,
    canaryDeploymentName: app.canaryDeploymentName,
  };
}
