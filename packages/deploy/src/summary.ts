import { briefVerdict } from "./canary-analysis";
import type { CanaryRolloutReport } from "./canary-rollout";
import { guardedKindsText, type Offender } from "./guard";

/** What the replacement guard decided, or that the preview failed before it could decide. */
export type GuardVerdict =
  | { readonly kind: "passed" }
  | { readonly kind: "refused"; readonly offenders: readonly Offender[] }
  | { readonly kind: "failed"; readonly message: string };

/** Everything a run summary shows. */
export interface RunSummary {
  readonly command: "preview" | "up";
  /** Fully qualified stack name, e.g. `organization/steady-app/dev`. */
  readonly stack: string;
  /** Resources per operation of the preview (`create`, `update`, `same`, ...), when it finished. */
  readonly changes?: Readonly<Record<string, number>>;
  readonly verdict: GuardVerdict;
  /** URNs whose replacement was explicitly allowed with `--allow`. */
  readonly allowed: readonly string[];
  /** Policy pack the preview ran with, if any. */
  readonly policyPack?: string;
  /** For `up`: how the update ended (absent when the guarded preview stopped it). */
  readonly update?: { readonly outcome: "succeeded" | "failed" | "rolled back"; message?: string };
  /** For `up`: one formatted rollout report per Deployment that was watched. */
  readonly rollouts?: readonly string[];
}

/** Longest error excerpt the summary quotes, in lines (the job log has the rest). */
const MAX_MESSAGE_LINES = 40;

/** Order of operations in the changes table; others follow alphabetically. */
const OPERATION_ORDER = ["create", "update", "replace", "delete", "same"];

function fence(text: string): string[] {
  const lines = text.trimEnd().split("\n");
  const shown =
    lines.length > MAX_MESSAGE_LINES
      ? [
          ...lines.slice(0, MAX_MESSAGE_LINES),
          `... (${lines.length - MAX_MESSAGE_LINES} more lines in the job log)`,
        ]
      : lines;
  // A fence longer than any run of backticks in the text, so the text cannot close it.
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const f = "`".repeat(longest + 1);
  return [f, ...shown, f];
}

/** Backtick-quotes a value for a Markdown table cell (pipes would end the cell). */
function code(value: string): string {
  return `\`${value.replace(/\|/g, "\\|").replace(/`/g, "'")}\``;
}

/** The changes per operation as a Markdown table, in a stable order. */
export function changesTable(changes: Readonly<Record<string, number>>): string[] {
  const ops = Object.keys(changes).sort((a, b) => {
    const ia = OPERATION_ORDER.indexOf(a);
    const ib = OPERATION_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
  });
  if (ops.length === 0) return ["No resources."];
  return [
    "| Operation | Resources |",
    "| --- | ---: |",
    ...ops.map((op) => `| ${op} | ${changes[op]} |`),
  ];
}

/**
 * A run of `steady-deploy preview` or `up` as Markdown, for a CI job summary
 * (`$GITHUB_STEP_SUMMARY`): the changes per operation, the replacement guard's verdict with every
 * offender, explicitly allowed URNs, and for `up` the outcome and the rollout reports.
 */
export function formatSummaryMarkdown(s: RunSummary): string {
  const out: string[] = [`### \`${s.stack}\`: ${s.command}`, ""];
  if (s.changes) out.push(...changesTable(s.changes), "");
  const guarded = guardedKindsText();
  switch (s.verdict.kind) {
    case "passed":
      out.push(`**Replacement guard: passed.** No ${guarded} is replaced or deleted.`);
      break;
    case "refused":
      out.push(
        `**Replacement guard: refused.** ${s.verdict.offenders.length} resource(s) would be replaced or deleted; nothing was applied:`,
        "",
        ...s.verdict.offenders.map((o) => {
          const why = o.causes.length ? ` because ${o.causes.map(code).join(", ")} changed` : "";
          return `- ${o.op} ${code(o.urn)}${why}`;
        }),
        "",
        "If the replacement is intended, allow it explicitly with `--allow <urn>`.",
      );
      break;
    case "failed":
      out.push(
        "**Preview failed** before the replacement guard could decide:",
        "",
        ...fence(s.verdict.message),
      );
      break;
  }
  if (s.allowed.length) {
    out.push(
      "",
      "Replacements allowed with `--allow`:",
      "",
      ...s.allowed.map((u) => `- ${code(u)}`),
    );
  }
  if (s.policyPack) out.push("", `Policy pack: ${code(s.policyPack)}.`);
  if (s.update) {
    out.push("", `**Update: ${s.update.outcome}.**`);
    if (s.update.message) out.push("", ...fence(s.update.message));
  }
  for (const r of s.rollouts ?? []) out.push("", ...fence(r));
  return out.join("\n") + "\n\n";
}

const secondsBetween = (from: string | undefined, to: string | undefined) =>
  from && to ? ((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1) : "";

/**
 * A `steady-deploy canary` run as Markdown for a CI job summary: the outcome and exit code, then
 * a table of the steps (their up, their analysis window, the verdict with its numbers) and the
 * abort or the promotion, and where the report and its timeline are.
 */
export function formatCanarySummaryMarkdown(
  stack: string,
  r: CanaryRolloutReport,
  exitCode: number,
  files?: { readonly json: string; readonly svg: string },
): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").split("\n")[0]!;
  const out = [
    `### \`${stack}\`: canary`,
    "",
    `**Canary: ${r.outcome}** (exit ${exitCode})${r.reason ? `: ${cell(r.reason)}` : "."}`,
    "",
    "| Step | Up (s) | Analysis (s) | Verdict |",
    "| --- | ---: | ---: | --- |",
    ...r.steps.map((s) => {
      const verdict = s.verdict
        ? briefVerdict(s.verdict, r.analysis)
        : `${s.upFinishedAt ? "analysis failed" : "up failed"}: ${s.error ?? "?"}`;
      const up = secondsBetween(s.appliedAt, s.upFinishedAt);
      return `| ${cell(s.name)} | ${up} | ${secondsBetween(s.upFinishedAt, s.decidedAt)} | ${cell(verdict)} |`;
    }),
  ];
  if (r.abort) {
    const a = r.abort;
    const what = a.ok ? "canary to 0 pods, stable untouched" : `failed: ${a.error ?? "?"}`;
    out.push(`| abort | ${secondsBetween(a.startedAt, a.finishedAt)} | | ${cell(what)} |`);
  }
  if (r.promotion) {
    const p = r.promotion;
    const what = r.outcome === "promoted" ? "stable runs the new version" : "failed";
    out.push(`| promote | ${secondsBetween(p.startedAt, p.finishedAt)} | | ${what} |`);
  }
  if (files) out.push("", `Report: ${code(files.json)}, timeline: ${code(files.svg)}.`);
  return out.join("\n") + "\n\n";
}
