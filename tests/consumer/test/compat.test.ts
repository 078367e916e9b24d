import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { makeUrn, type RecordedResource } from "../fixture/urn";
import { addedSince, aliasesOf, compareToBaseline, sortByUrn, type Baseline } from "../src/compat";
import { COMPAT_DIR } from "../src/packages";
import { recordProgram } from "../fixture/record";

const urn = (parent: string | null, type: string, name: string) =>
  makeUrn("compat", "steady-consumer", parent, type, name);

/** A small recording: a component with a Deployment and a Service under it. */
function recording(
  opts: {
    componentType?: string;
    componentName?: string;
    deploymentName?: string;
    componentAliases?: string[];
    deploymentAliases?: string[];
    selector?: Record<string, string>;
    serviceSelector?: Record<string, string>;
  } = {},
): RecordedResource[] {
  const cType = opts.componentType ?? "steady:deployment:AppDeployment";
  const cName = opts.componentName ?? "web";
  const component = urn(null, cType, cName);
  const labels = { "app.kubernetes.io/name": "web", "app.kubernetes.io/instance": "web" };
  const dName = opts.deploymentName ?? cName;
  return [
    {
      urn: component,
      type: cType,
      name: cName,
      parent: null,
      aliases: opts.componentAliases ?? [],
    },
    {
      urn: urn(component, "kubernetes:apps/v1:Deployment", dName),
      type: "kubernetes:apps/v1:Deployment",
      name: dName,
      parent: component,
      aliases: opts.deploymentAliases ?? [],
      selector: { matchLabels: opts.selector ?? labels },
    },
    {
      urn: urn(component, "kubernetes:core/v1:Service", `${cName}-svc`),
      type: "kubernetes:core/v1:Service",
      name: `${cName}-svc`,
      parent: component,
      aliases: [],
      selector: opts.serviceSelector ?? labels,
    },
  ];
}

const BASE = recording();
const DEPLOYMENT =
  "urn:pulumi:compat::steady-consumer::steady:deployment:AppDeployment$kubernetes:apps/v1:Deployment::web";

describe("compareToBaseline", () => {
  it("passes when nothing changed, whatever the order of registration", () => {
    expect(compareToBaseline("s", BASE, [...BASE].reverse())).toEqual([]);
  });

  it("passes when resources were only added", () => {
    const current = [
      ...BASE,
      {
        ...BASE[2]!,
        urn: urn(BASE[0]!.urn, "kubernetes:core/v1:ConfigMap", "web-config"),
        type: "kubernetes:core/v1:ConfigMap",
        name: "web-config",
        selector: undefined,
      },
    ];
    expect(compareToBaseline("s", BASE, current)).toEqual([]);
    expect(addedSince(BASE, current)).toEqual([
      "urn:pulumi:compat::steady-consumer::steady:deployment:AppDeployment$kubernetes:core/v1:ConfigMap::web-config",
    ]);
  });

  it("fails on a renamed child without an alias, naming the URN and the fix", () => {
    expect(
      compareToBaseline("minimal", BASE, recording({ deploymentName: "web-deployment" })),
    ).toEqual([
      `minimal: ${DEPLOYMENT} is gone: no resource has this URN or lists it in its aliases, so existing stacks would delete it and create a new one. If it was renamed or moved, add an alias to the new resource (aliases: [{ name: "web", type: "kubernetes:apps/v1:Deployment" }] or the old URN) or revert the change.`,
    ]);
  });

  it("passes when the renamed child has an alias to its old URN", () => {
    const renamed = recording({
      deploymentName: "web-deployment",
      deploymentAliases: [DEPLOYMENT],
    });
    expect(compareToBaseline("s", BASE, renamed)).toEqual([]);
    expect(addedSince(BASE, renamed)).toEqual([]);
  });

  it("fails for the component and every child when the component's type token changes without an alias", () => {
    const problems = compareToBaseline("s", BASE, recording({ componentType: "acme:apps:App" }));
    expect(problems).toHaveLength(3);
    expect(problems[0]).toContain(
      "urn:pulumi:compat::steady-consumer::steady:deployment:AppDeployment::web is gone",
    );
  });

  it("passes a type token change with an alias on the component: children inherit it, as in the engine", () => {
    const current = recording({ componentType: "acme:apps:App", componentAliases: [BASE[0]!.urn] });
    expect(compareToBaseline("s", BASE, current)).toEqual([]);
  });

  it("passes a renamed component with an alias: children named after it follow the old name", () => {
    const current = recording({ componentName: "site", componentAliases: [BASE[0]!.urn] });
    expect(aliasesOf(current).get(current[2]!.urn)).toEqual(new Set([BASE[2]!.urn]));
    expect(compareToBaseline("s", BASE, current)).toEqual([]);
  });

  it("fails on a changed Deployment selector, naming the URN and both selectors", () => {
    const current = recording({
      selector: { "app.kubernetes.io/name": "web", "app.kubernetes.io/version": "v2" },
    });
    expect(compareToBaseline("full", BASE, current)).toEqual([
      `full: the selector of ${DEPLOYMENT} changed from {"matchLabels":{"app.kubernetes.io/name":"web","app.kubernetes.io/instance":"web"}} to {"matchLabels":{"app.kubernetes.io/name":"web","app.kubernetes.io/version":"v2"}}: a workload's selector is immutable, so existing stacks would replace it. Revert the selector change (selectors must only use labels that never change).`,
    ]);
  });

  it("fails on a changed Service selector: the Service would lose the running pods", () => {
    const [problem] = compareToBaseline("s", BASE, recording({ serviceSelector: { app: "web" } }));
    expect(problem).toContain(
      "the selector of urn:pulumi:compat::steady-consumer::steady:deployment:AppDeployment$kubernetes:core/v1:Service::web-svc changed",
    );
    expect(problem).toContain(
      "the Service would stop sending traffic to the pods existing stacks run",
    );
  });

  it("fails on a selector change behind an alias too", () => {
    const current = recording({
      deploymentName: "web2",
      deploymentAliases: [DEPLOYMENT],
      selector: { app: "web" },
    });
    expect(compareToBaseline("s", BASE, current)).toHaveLength(1);
  });
});

describe("recordProgram", () => {
  it("records URNs with the whole parent type chain, the parent, the provider and aliases as the engine resolves them", async () => {
    const rs = sortByUrn(
      await recordProgram({}, () => {
        const outer = new pulumi.ComponentResource(
          "acme:x:Outer",
          "site",
          {},
          {
            aliases: [{ type: "acme:x:OldOuter" }],
          },
        );
        const inner = new pulumi.ComponentResource(
          "acme:x:Inner",
          "site-inner",
          {},
          { parent: outer },
        );
        const provider = new k8s.Provider("k", {}, { parent: outer });
        new k8s.core.v1.ConfigMap(
          "site-cm",
          { data: {} },
          {
            parent: inner,
            provider,
            aliases: [{ name: "old-cm" }, { name: "top-cm", parent: pulumi.rootStackResource }],
          },
        );
      }),
    );
    const outer = "urn:pulumi:compat::steady-consumer::acme:x:Outer::site";
    const inner = "urn:pulumi:compat::steady-consumer::acme:x:Outer$acme:x:Inner::site-inner";
    const cm = rs.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
    expect(cm.urn).toBe(
      "urn:pulumi:compat::steady-consumer::acme:x:Outer$acme:x:Inner$kubernetes:core/v1:ConfigMap::site-cm",
    );
    expect(cm.parent).toBe(inner);
    expect(cm.provider).toBe(
      "urn:pulumi:compat::steady-consumer::acme:x:Outer$pulumi:providers:kubernetes::k",
    );
    expect(cm.aliases).toEqual([
      "urn:pulumi:compat::steady-consumer::acme:x:Outer$acme:x:Inner$kubernetes:core/v1:ConfigMap::old-cm",
      "urn:pulumi:compat::steady-consumer::kubernetes:core/v1:ConfigMap::top-cm",
    ]);
    expect(rs.find((r) => r.urn === outer)?.aliases).toEqual([
      "urn:pulumi:compat::steady-consumer::acme:x:OldOuter::site",
    ]);
    // Children inherit the outer component's type change: the engine finds them under it too.
    expect(aliasesOf(rs).get(cm.urn)).toContain(
      "urn:pulumi:compat::steady-consumer::acme:x:OldOuter$acme:x:Inner$kubernetes:core/v1:ConfigMap::site-cm",
    );
  });
});

/** The committed baselines, one per released version. */
const baselines = readdirSync(COMPAT_DIR)
  .filter((f) => /^baseline-.+\.json$/.test(f))
  .map((f) => JSON.parse(readFileSync(join(COMPAT_DIR, f), "utf8")) as Baseline);

/** The consumer program (fixture/index.ts) on the workspace packages, under mocks. */
function recordWorkspace(config: Record<string, string>): Promise<RecordedResource[]> {
  return recordProgram(config, () => jest.isolateModules(() => require("../fixture/index")));
}

it("has a committed baseline of the first release", () => {
  expect(baselines.map((b) => b.version)).toContain("0.1.0");
});

describe.each(baselines.map((b) => [b.version, b] as const))(
  "the consumer program against the baseline of %s",
  (_version, baseline) => {
    it.each(Object.keys(baseline.scenarios))(
      "keeps every URN (or an alias of it) and every selector of scenario %s",
      async (scenario) => {
        const { config, resources } = baseline.scenarios[scenario]!;
        const current = sortByUrn(await recordWorkspace(config));
        expect(compareToBaseline(`${baseline.version}/${scenario}`, resources, current)).toEqual(
          [],
        );
      },
    );

    it("fails when the baseline it is held to differs: a renamed resource and a changed selector", async () => {
      const [scenario, { config, resources }] = Object.entries(baseline.scenarios)[0]!;
      const current = await recordWorkspace(config);
      const tampered = resources.map((r) =>
        r.type === "kubernetes:apps/v1:Deployment"
          ? { ...r, selector: { matchLabels: { app: "hello" } } }
          : r.type === "kubernetes:core/v1:Service"
            ? { ...r, urn: `${r.urn}-old`, name: `${r.name}-old` }
            : r,
      );
      const problems = compareToBaseline(scenario, tampered, current);
      expect(problems).toEqual([
        expect.stringMatching(
          /the selector of urn:\S+\$kubernetes:apps\/v1:Deployment::hello changed from \{"matchLabels":\{"app":"hello"\}\}/,
        ),
        expect.stringMatching(
          /urn:\S+\$kubernetes:core\/v1:Service::hello-svc-old is gone: .* add an alias .* or revert the change\.$/,
        ),
      ]);
    });
  },
);
