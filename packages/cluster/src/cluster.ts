// The API groups this file uses, not the package index: the index loads all of
// @pulumi/kubernetes (123 modules, 9 this way), which delays the program's start
// (docs/performance.md, "Start-up").
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import { Provider } from "@pulumi/kubernetes/provider";
import * as pulumi from "@pulumi/pulumi";
import { CLUSTER_DEFAULTS } from "./defaults";
import {
  limitRangeSpec,
  namespaceLabels,
  networkPolicySpecs,
  quotaSpec,
  resolveQuota,
} from "./manifests";
import { SimulatedNodePool } from "./simulated-node-pool";
import type { ClusterArgs } from "./types";
import { nodePoolName, validateClusterArgs } from "./validate";

/**
 * A Kubernetes cluster as a deployment target: its control plane schedules apps, keeps their
 * desired state, scales them and rolls out updates, and its nodes run the pods.
 *
 * This component connects to it (a provider with server-side apply) and prepares an environment
 * in it: a namespace that enforces the `restricted` Pod Security Standard, a ResourceQuota and
 * LimitRange, default-deny ingress with allow-from-same-namespace, and, for a local cluster,
 * simulated nodes over several zones.
 */
export class Cluster extends pulumi.ComponentResource {
  /** The provider for this cluster: pass it to workloads as `opts.provider`. */
  public readonly provider: Provider;
  /** The environment's namespace. */
  public readonly namespaceName: pulumi.Output<string>;
  /** Kubeconfig contents the provider uses ("" for the ambient configuration); a secret. */
  public readonly kubeconfig: pulumi.Output<string>;
  /** Names of the simulated nodes (empty when there are none). */
  public readonly nodeNames: pulumi.Output<string[]>;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("steady:cluster:Cluster", name, {}, opts);
    validateClusterArgs(name, args).throwIfAny(`Cluster "${name}"`);

    this.provider = new Provider(
      `${name}-provider`,
      {
        ...(args.kubeconfig !== undefined ? { kubeconfig: args.kubeconfig } : {}),
        ...(args.context !== undefined ? { context: args.context } : {}),
        enableServerSideApply: args.enableServerSideApply ?? CLUSTER_DEFAULTS.enableServerSideApply,
        kubeClientSettings: {
          qps: args.kubeClientSettings?.qps ?? CLUSTER_DEFAULTS.kubeClientSettings.qps,
          burst: args.kubeClientSettings?.burst ?? CLUSTER_DEFAULTS.kubeClientSettings.burst,
        },
      },
      { parent: this },
    );
    const child = { parent: this, provider: this.provider };

    const ns = new corev1.Namespace(
      `${name}-ns`,
      {
        metadata: {
          labels: namespaceLabels(args),
          ...(args.namespace !== undefined ? { name: args.namespace } : {}),
        },
      },
      child,
    );
    const namespace = ns.metadata.name;
    const inNamespace = { ...child, dependsOn: [ns] };

    const quota = resolveQuota(args);
    if (quota)
      new corev1.ResourceQuota(
        `${name}-quota`,
        { metadata: { namespace }, spec: quotaSpec(quota) },
        inNamespace,
      );
    const limits = limitRangeSpec(args);
    if (limits)
      new corev1.LimitRange(
        `${name}-limits`,
        { metadata: { namespace }, spec: limits },
        inNamespace,
      );
    if (args.networkPolicy ?? CLUSTER_DEFAULTS.networkPolicy) {
      const specs = networkPolicySpecs();
      new networkingv1.NetworkPolicy(
        `${name}-deny-ingress`,
        { metadata: { namespace }, spec: specs.denyAll },
        inNamespace,
      );
      new networkingv1.NetworkPolicy(
        `${name}-allow-same-namespace`,
        { metadata: { namespace }, spec: specs.sameNamespace },
        inNamespace,
      );
    }
    const pool = args.simulatedNodes
      ? new SimulatedNodePool(nodePoolName(name), args.simulatedNodes, child)
      : undefined;

    this.namespaceName = namespace;
    this.kubeconfig = pulumi.secret(pulumi.output(args.kubeconfig ?? ""));
    this.nodeNames = pool ? pool.nodeNames : pulumi.output([]);
    this.registerOutputs({
      namespaceName: this.namespaceName,
      kubeconfig: this.kubeconfig,
      nodeNames: this.nodeNames,
    });
  }
}
