// A platform team's stack in Pulumi's default TypeScript layout: `pulumi up` runs this file
// through ts-node (@pulumi/pulumi registers it; Pulumi.yaml names no `main` and no build step),
// on the newest @pulumi/pulumi and @pulumi/kubernetes. Only the published packages' public API.
import * as pulumi from "@pulumi/pulumi";
import { Cluster } from "@steady/cluster";
import { AppDeployment } from "@steady/deployment";

const config = new pulumi.Config();

/**
 * The Kubernetes provider plugin release to run, when it is not the one @pulumi/kubernetes
 * names (its own version). The `version` resource option is how a program picks a plugin
 * release: the engine loads exactly that release from the plugin cache. The Cluster creates its
 * provider itself, so a transform on the Cluster sets the option on that provider.
 */
const pluginVersion = config.get("kubernetesPluginVersion");
const pinPlugin: pulumi.ResourceTransform = ({ type, props, opts }) =>
  type === "pulumi:providers:kubernetes" && pluginVersion !== undefined
    ? { props, opts: { ...opts, version: pluginVersion } }
    : undefined;

const cluster = new Cluster(
  "dev",
  {
    environment: "dev",
    // Unset: an auto-named namespace. Setting it later renames the namespace: a replacement.
    namespace: config.get("namespace"),
    quota: "small",
    simulatedNodes: { count: 2, namePrefix: "ts-node" },
  },
  { transforms: [pinPlugin] },
);

const app = new AppDeployment(
  "hello",
  {
    namespace: cluster.namespaceName,
    image: "steady/hello:1.0.0",
    version: config.get("version") ?? "v1",
    replicas: 2,
    rollout: { minReadySeconds: 1 },
  },
  { provider: cluster.provider },
);

export const namespace = cluster.namespaceName;
export const nodeNames = cluster.nodeNames;
export const deploymentName = app.deploymentName;
