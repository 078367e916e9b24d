import { checkMinimumReplicas } from "../src/rules/minimum-replicas";
import { checkPodDisruptionBudgets } from "../src/rules/pod-disruption-budget";
import { checkServiceSelectors } from "../src/rules/service-selector";
import { TRACK_LABEL, stablePartnerOf, workloadsOf } from "../src/workloads";
import {
  autonamed,
  deployment,
  goodDeploymentSpec,
  pdb,
  POD_LABELS,
  res,
  service,
} from "./fixtures";

const CANARY_LABELS = { ...POD_LABELS, [TRACK_LABEL]: "canary" };

/** A canary Deployment of the example app, as @steady/deployment builds it. */
function canary(
  replicas: number,
  namespace = "apps",
  labels: Record<string, string> = CANARY_LABELS,
) {
  const spec = goodDeploymentSpec({
    replicas,
    selector: { matchLabels: labels },
    template: { metadata: { labels: { ...labels, version: "v2" } } },
  });
  return res("Deployment", "web-canary", { metadata: autonamed("web-canary", namespace), spec });
}

describe("stablePartnerOf", () => {
  it("pairs a canary with the stable Deployment whose selector selects its pods", () => {
    const [stable, c] = workloadsOf([deployment("web"), canary(1)]);
    expect(stablePartnerOf(c!, [stable!, c!])).toBe(stable);
    expect(stablePartnerOf(stable!, [stable!, c!])).toBeUndefined();
  });

  it.each([
    ["in another namespace", canary(1, "other")],
    [
      "whose pods the stable selector does not select",
      canary(1, "apps", { app: "other", [TRACK_LABEL]: "canary" }),
    ],
  ])("leaves a canary %s unpaired", (_, c) => {
    const all = workloadsOf([deployment("web"), c]);
    expect(stablePartnerOf(all[1]!, all)).toBeUndefined();
  });
});

describe("rules over a stable + canary pair", () => {
  it("minimum-replicas: does not ask a paired canary for the minimum, even at zero pods", () => {
    expect(checkMinimumReplicas([deployment("web"), canary(1)], "prod")).toEqual([]);
    expect(checkMinimumReplicas([deployment("web"), canary(0)], "prod")).toEqual([]);
  });

  it("minimum-replicas: still checks a canary without its stable Deployment", () => {
    expect(checkMinimumReplicas([canary(1)], "prod").map((v) => v.message)).toEqual([
      'Deployment "web-canary" runs 1 replica; prod needs at least 3: set spec.replicas to 3 or more, or let a HorizontalPodAutoscaler with minReplicas 3 or more own it',
    ]);
  });

  it("pod-disruption-budget: one budget over the app covers a multi-pod canary too", () => {
    expect(checkPodDisruptionBudgets([deployment("web"), canary(3), pdb()])).toEqual([]);
    expect(
      checkPodDisruptionBudgets([deployment("web"), canary(3)]).map((v) => v.urn),
    ).toHaveLength(2);
  });

  it("service-selector: the app's Service selects the canary pods as well", () => {
    expect(checkServiceSelectors([canary(1), service("web-svc")])).toEqual([]);
  });
});
