// The API groups this file uses, not the package index: the index loads all of
// @pulumi/kubernetes (123 modules, 9 this way), which delays the program's start
// (docs/performance.md, "Start-up").
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as autoscalingv2 from "@pulumi/kubernetes/autoscaling/v2";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { buildAppManifests, buildConfigMapManifest } from "./manifests";
import { resolveAppDeployment } from "./resolve";
import type { AppDeploymentArgs } from "./types";

/**
 * An app on Kubernetes that rolls out without downtime: a Deployment whose controller keeps the
 * desired number of pods running and heals them, a ClusterIP Service in front of the ready ones,
 * a PodDisruptionBudget, an optional HorizontalPodAutoscaler and an immutable, content-hashed
 * ConfigMap for its config.
 *
 * Every zero-downtime rule is on by default: RollingUpdate with maxUnavailable 0 and maxSurge 1,
 * readiness/liveness/startup probes, minReadySeconds, a progress deadline that `pulumi up` waits
 * for (and fails on), a preStop sleep with a grace period longer than sleep + drain, soft spread
 * over zones and nodes, a selector of stable labels only and auto-named objects, so a
 * replacement is always create-before-delete.
 * @see https://kubernetes.io/docs/concepts/workloads/controllers/deployment/
 */
export class AppDeployment extends pulumi.ComponentResource {
  /** The Deployment's generated name. */
  public readonly deploymentName: pulumi.Output<string>;
  /** The Service's generated name. */
  public readonly serviceName: pulumi.Output<string>;
  /** The namespace everything lives in. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster URL of the Service, e.g. `http://web-svc-1a2b3c4d.dev.svc.cluster.local:80`. */
  public readonly url: pulumi.Output<string>;
  /** The config map's generated name, when there is config. */
  public readonly configMapName: pulumi.Output<string | undefined>;
  /** Content hash of the config ("" when there is none). */
  public readonly configHash: pulumi.Output<string>;
  /** Labels that select the app's pods. */
  public readonly selector: pulumi.Output<Record<string, string>>;
  /** The Deployment resource, for callers that need more of it. */
  public readonly deployment: appsv1.Deployment;
  /** The Service resource. */
  public readonly service: corev1.Service;
  /** The canary Deployment, when `canary` is set. */
  public readonly canaryDeployment: appsv1.Deployment | undefined;
  /** The canary Deployment's generated name, when `canary` is set. */
  public readonly canaryDeploymentName: pulumi.Output<string | undefined>;

  constructor(name: string, args: AppDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
    super("steady:deployment:AppDeployment", name, {}, opts);
    // Resolve and check everything before the first child, so bad input leaves nothing
    // half-created.
    const app = resolveAppDeployment(name, args);

    const parent = { parent: this };
    // The ConfigMap first: the pod template mounts it by its generated name.
    const configMapManifest = buildConfigMapManifest(app);
    const configMap = configMapManifest
      ? new corev1.ConfigMap(`${name}-config`, configMapManifest, parent)
      : undefined;
    const m = buildAppManifests(app, configMap?.metadata.name);

    this.deployment = new appsv1.Deployment(name, m.deployment, {
      ...parent,
      dependsOn: configMap ? [configMap] : [],
    });
    // Named `${name}-canary`, and only registered with a canary, so the stable children keep
    // their URNs whether a canary runs or not.
    this.canaryDeployment = m.canaryDeployment
      ? new appsv1.Deployment(`${name}-canary`, m.canaryDeployment, {
          ...parent,
          dependsOn: configMap ? [configMap] : [],
        })
      : undefined;
    this.service = new corev1.Service(`${name}-svc`, m.service, parent);
    if (m.podDisruptionBudget) {
      new policyv1.PodDisruptionBudget(`${name}-pdb`, m.podDisruptionBudget, parent);
    }
    if (m.autoscaler) {
      new autoscalingv2.HorizontalPodAutoscaler(
        `${name}-hpa`,
        {
          metadata: m.autoscaler.metadata,
          spec: {
            ...(m.autoscaler.spec as k8s.types.input.autoscaling.v2.HorizontalPodAutoscalerSpec),
            scaleTargetRef: {
              apiVersion: "apps/v1",
              kind: "Deployment",
              name: this.deployment.metadata.name,
            },
          },
        },
        parent,
      );
    }

    this.deploymentName = this.deployment.metadata.name;
    this.serviceName = this.service.metadata.name;
    this.namespace = this.deployment.metadata.namespace;
    this.url = pulumi.interpolate`http://${this.service.metadata.name}.${this.service.metadata.namespace}.svc.cluster.local:${app.servicePort}`;
    this.configMapName = configMap ? configMap.metadata.name : pulumi.output(undefined);
    this.configHash = pulumi.output(m.configHash);
    this.selector = pulumi.output(m.selector);
    this.canaryDeploymentName = this.canaryDeployment
      ? this.canaryDeployment.metadata.name
      : pulumi.output(undefined);
    this.registerOutputs({
      canaryDeploymentName: this.canaryDeploymentName,
      deploymentName: this.deploymentName,
      serviceName: this.serviceName,
      namespace: this.namespace,
      url: this.url,
      configMapName: this.configMapName,
      configHash: this.configHash,
      selector: this.selector,
    });
  }
}
