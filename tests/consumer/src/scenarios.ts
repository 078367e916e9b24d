/**
 * Configs the consumer program runs with. Every key is set in every scenario ("" means not set,
 * so the component's default applies), so one scenario never inherits another's value.
 */
export const SCENARIOS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  /** Dev-sized: one replica, no budget, no spread, no config, no simulated nodes, auto-named namespace. */
  minimal: {
    environment: "dev",
    namespace: "",
    simulatedNodes: "0",
    image: "steady/hello:1.0.0",
    version: "v1",
    replicas: "1",
    maxReplicas: "",
    disruptionBudget: "false",
    topologySpread: "false",
    greeting: "",
    kubeconfig: "",
  },
  /** Every optional child: simulated nodes, hashed config, budget, spread and an autoscaler. */
  full: {
    environment: "prod",
    namespace: "apps-prod",
    simulatedNodes: "3",
    image: "steady/hello:1.0.0",
    version: "v1",
    replicas: "3",
    maxReplicas: "6",
    disruptionBudget: "",
    topologySpread: "",
    greeting: "Hello from prod",
    kubeconfig: "",
  },
};

/** The config the cluster test deploys: two simulated nodes, two replicas, budget and spread. */
export const DEPLOYED: Readonly<Record<string, string>> = {
  environment: "dev",
  namespace: "",
  simulatedNodes: "2",
  image: "steady/hello:1.0.0",
  version: "v1",
  replicas: "2",
  maxReplicas: "",
  disruptionBudget: "",
  topologySpread: "",
  greeting: "Hello from a consumer",
  kubeconfig: "",
};
