// The API groups this file uses, not the package index: the index loads all of
// @pulumi/kubernetes (123 modules, 9 this way), which delays the program's start
// (docs/performance.md, "Start-up").
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { Problems, checkLabels } from "@steady/core";
import { buildPodSpecUnchecked } from "./pod-spec";
import type { PodSpecArgs } from "./types";
import { validatePodSpecArgs } from "./validate";

/** Arguments of a {@link Pod}. */
export interface PodArgs {
  /** Namespace the pod lives in. */
  readonly namespace: pulumi.Input<string>;
  /** What runs in the pod: containers, shared volumes, hardening. */
  readonly spec: PodSpecArgs;
  /** Labels on the pod. @default - `app.kubernetes.io/name` set to the component name */
  readonly labels?: Readonly<Record<string, string>>;
  /** Annotations on the pod. @default - none */
  readonly annotations?: Readonly<Record<string, pulumi.Input<string>>>;
}

/**
 * A single, unmanaged pod: one or more containers sharing volumes, one IP and its ports.
 *
 * Nothing restarts a bare pod on another node when its node dies: serve traffic from an
 * `AppDeployment` instead. Useful for one-off jobs in dev and for showing what a pod is.
 * @see https://kubernetes.io/docs/concepts/workloads/pods/
 */
export class Pod extends pulumi.ComponentResource {
  /** The pod's generated name. */
  public readonly podName: pulumi.Output<string>;
  /** The pod's namespace. */
  public readonly namespace: pulumi.Output<string>;

  constructor(name: string, args: PodArgs, opts?: pulumi.ComponentResourceOptions) {
    super("steady:pod:Pod", name, {}, opts);
    const problems = new Problems();
    problems.merge(validatePodSpecArgs(args.spec ?? { containers: [] }).list, "spec");
    checkLabels(problems, "labels", args.labels);
    problems.throwIfAny(`Pod "${name}"`);

    const pod = new corev1.Pod(
      name,
      {
        metadata: {
          namespace: args.namespace,
          labels: {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/managed-by": "pulumi",
            ...args.labels,
          },
          ...(args.annotations ? { annotations: { ...args.annotations } } : {}),
        },
        spec: buildPodSpecUnchecked(args.spec),
      },
      { parent: this },
    );
    this.podName = pod.metadata.name;
    this.namespace = pod.metadata.namespace;
    this.registerOutputs({ podName: this.podName, namespace: this.namespace });
  }
}
