import { CANARY_ANALYSIS_DEFAULTS, analyzeCanary } from "../src/canary-analysis";
import type { CanaryRolloutReport } from "../src/canary-rollout";
import { parsePromText } from "../src/prom-text";
import {
  changesTable,
  formatCanarySummaryMarkdown,
  formatSummaryMarkdown,
  type RunSummary,
} from "../src/summary";

const STACK = "organization/steady-app/prod";
const URN =
  "urn:pulumi:prod::steady-app::steady:deployment:AppDeployment$kubernetes:apps/v1:Deployment::hello";

describe("the Markdown run summary", () => {
  it("lists the changes per operation in a stable order and says the guard passed", () => {
    const md = formatSummaryMarkdown({
      command: "preview",
      stack: STACK,
      changes: { same: 7, update: 1, create: 2, "delete-replaced": 1 },
      verdict: { kind: "passed" },
      allowed: [],
    });
    expect(md).toContain("### `organization/steady-app/prod`: preview");
    expect(md).toContain(
      [
        "| Operation | Resources |",
        "| --- | ---: |",
        "| create | 2 |",
        "| update | 1 |",
        "| same | 7 |",
        "| delete-replaced | 1 |",
      ].join("\n"),
    );
    expect(md).toContain(
      "**Replacement guard: passed.** No Namespace, CustomResourceDefinition, Deployment, StatefulSet, DaemonSet, Service, Ingress, PodDisruptionBudget or PersistentVolumeClaim is replaced or deleted.",
    );
    expect(md.endsWith("\n\n")).toBe(true);
  });

  it("names every refused resource, what forces it and how to allow it", () => {
    const md = formatSummaryMarkdown({
      command: "preview",
      stack: STACK,
      changes: { same: 3, replace: 1 },
      verdict: {
        kind: "refused",
        offenders: [
          {
            urn: URN,
            type: "kubernetes:apps/v1:Deployment",
            op: "replace",
            causes: ["spec.selector"],
          },
        ],
      },
      allowed: ["urn:pulumi:prod::steady-app::kubernetes:core/v1:Service::svc"],
    });
    expect(md).toContain(
      "**Replacement guard: refused.** 1 resource(s) would be replaced or deleted; nothing was applied:",
    );
    expect(md).toContain(`- replace \`${URN}\` because \`spec.selector\` changed`);
    expect(md).toContain("`--allow <urn>`");
    expect(md).toContain("- `urn:pulumi:prod::steady-app::kubernetes:core/v1:Service::svc`");
    expect(md).toContain("| replace | 1 |");
  });

  it("quotes a failed preview in a fence its text cannot close, cut to 40 lines", () => {
    const message = [
      "error: ```boom```",
      ...Array.from({ length: 60 }, (_, i) => `line ${i}`),
    ].join("\n");
    const md = formatSummaryMarkdown({
      command: "preview",
      stack: STACK,
      verdict: { kind: "failed", message },
      allowed: [],
    });
    expect(md).toContain("**Preview failed** before the replacement guard could decide:");
    expect(md).toContain("````\nerror: ```boom```\n");
    expect(md).toContain("line 38\n... (21 more lines in the job log)\n````");
    expect(md).not.toContain("line 39");
    expect(md).not.toContain("| Operation |");
  });

  it("reports an up's outcome and its rollout reports", () => {
    const s: RunSummary = {
      command: "up",
      stack: STACK,
      changes: { update: 1, same: 6 },
      verdict: { kind: "passed" },
      allowed: [],
      policyPack: "packages/policy",
      update: { outcome: "rolled back", message: "the update failed and was rolled back" },
      rollouts: ["Rollout of deployment steady-prod/hello-1\n  fewest ready pods: 3 (desired 3)"],
    };
    const md = formatSummaryMarkdown(s);
    expect(md).toContain("Policy pack: `packages/policy`.");
    expect(md).toContain(
      "**Update: rolled back.**\n\n```\nthe update failed and was rolled back\n```",
    );
    expect(md).toContain(
      "```\nRollout of deployment steady-prod/hello-1\n  fewest ready pods: 3 (desired 3)\n```",
    );
  });

  it("escapes pipes in table cells and says so when nothing changes", () => {
    expect(changesTable({})).toEqual(["No resources."]);
    const md = formatSummaryMarkdown({
      command: "preview",
      stack: STACK,
      verdict: {
        kind: "refused",
        offenders: [
          { urn: "urn:a|b", type: "kubernetes:core/v1:Service", op: "delete", causes: [] },
        ],
      },
      allowed: [],
    });
    expect(md).toContain("- delete `urn:a\\|b`\n");
  });
});

describe("the canary's Markdown summary", () => {
  const at = (s: number) =>
    new Date(Date.parse("2026-12-02T06:00:00.000Z") + s * 1000).toISOString();
  const verdict = analyzeCanary(
    {
      before: [],
      after: [
        { pod: "c", samples: parsePromText('hello_http_requests_total{status_class="5xx"} 30') },
      ],
    },
    { before: [], after: [] },
  );
  const report: CanaryRolloutReport = {
    outcome: "aborted",
    reason: "analysis after step 1 pod failed: maxErrorRate | ...",
    analysis: CANARY_ANALYSIS_DEFAULTS,
    windowSeconds: 15,
    steps: [
      {
        name: "1 pod",
        change: { set: {}, remove: [] },
        appliedAt: at(0),
        upFinishedAt: at(11.6),
        decidedAt: at(28),
        verdict,
      },
    ],
    abort: { change: { set: {}, remove: [] }, ok: true, startedAt: at(28), finishedAt: at(34.8) },
  };

  it("has a row per step with its times and verdict, then the abort, and the files", () => {
    const md = formatCanarySummaryMarkdown("org/app/prod", report, 6, {
      json: "r.json",
      svg: "r.svg",
    });
    expect(md).toContain(
      "### `org/app/prod`: canary\n\n**Canary: aborted** (exit 6): analysis after step 1 pod failed: maxErrorRate \\| ...",
    );
    expect(md).toContain("| 1 pod | 11.6 | 16.4 | fail: canary error rate 100.0 % > 1.0 %;");
    expect(md).toContain("| abort | 6.8 | | canary to 0 pods, stable untouched |");
    expect(md).toContain("Report: `r.json`, timeline: `r.svg`.");
    expect(md).not.toContain("| promote |");
  });
});
