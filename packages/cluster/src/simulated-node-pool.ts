// The API groups this file uses, not the package index: the index loads all of
// @pulumi/kubernetes (123 modules, 9 this way), which delays the program's start
// (docs/performance.md, "Start-up").
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { simulatedNodes } from "./manifests";
import type { SimulatedNodesArgs } from "./types";
import { validateSimulatedNodesArgs } from "./validate";

/**
 * Node objects for a cluster whose nodes are simulated by kwok. The scheduler places pods on them
 * and kwok reports those pods Ready, so Deployments roll out for real on a laptop. Each node has
 * a zone label, so topology spread over zones can be seen working.
 * @see https://kwok.sigs.k8s.io/
 */
export class SimulatedNodePool extends pulumi.ComponentResource {
  /** Names of the nodes. */
  public readonly nodeNames: pulumi.Output<string[]>;
  /** Zone of each node, by node name. */
  public readonly zones: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: SimulatedNodesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("steady:cluster:SimulatedNodePool", name, {}, opts);
    validateSimulatedNodesArgs(name, args).throwIfAny(`SimulatedNodePool "${name}"`);
    const plan = simulatedNodes(name, args);
    const nodes = plan.map(
      (n) => new corev1.Node(`${name}-${n.name}`, { metadata: n.metadata }, { parent: this }),
    );
    this.nodeNames = pulumi.all(nodes.map((n) => n.metadata.name));
    this.zones = pulumi.output(Object.fromEntries(plan.map((n) => [n.name, n.zone])));
    this.registerOutputs({ nodeNames: this.nodeNames, zones: this.zones });
  }
}
