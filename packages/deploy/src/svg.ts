import { briefVerdict } from "./canary-analysis";
import type { CanaryRolloutReport, CanaryStepRecord } from "./canary-rollout";
import type { RolloutReport } from "./rollout-watch";
import type { RecoveryReport } from "./report";

const W = 640;
const H = 240;
const PAD = { left: 44, right: 16, top: 28, bottom: 36 };
const COLORS = ["#9aa5b1", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"];

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** One step line of a timeline chart. */
interface Series {
  readonly label: string;
  readonly color: string;
  readonly width: number;
  /** Its value at sample i. */
  readonly value: (i: number) => number;
}

/** Pod counts over time: step lines over sample times and the desired count. */
interface Counts {
  /** Sample times, ms from the start. */
  readonly times: readonly number[];
  readonly maxY: number;
  readonly desired: number;
  readonly series: readonly Series[];
}

/** A span of time drawn as a bar in its lane, e.g. a canary step's up or its analysis. */
interface Band {
  /** Ms from the start. */
  readonly from: number;
  readonly to: number;
  readonly lane: number;
  /** The SVG `class`: what the bar is (`up`, `analysis-pass`, `analysis-fail`, `abort`…). */
  readonly kind: string;
  readonly fill: string;
  /** A dashed dark outline, so a failure differs from a pass also without colour. */
  readonly alarm?: boolean;
  /** The bar's tooltip. */
  readonly tip: string;
}

/** Rows of bars: a lane per step, its heading above the bars and a note (a verdict) below. */
interface Lanes {
  readonly lanes: readonly {
    readonly heading: string;
    readonly note?: string;
    readonly noteColor?: string;
  }[];
  readonly bands: readonly Band[];
}

/** What a timeline chart draws over one time axis: pod counts or lanes of bars, and moments. */
interface Chart {
  readonly title: string;
  readonly heading: string;
  readonly endT: number;
  readonly counts?: Counts;
  readonly lanes?: Lanes;
  /** Vertical markers (ms from the start), such as a node turning NotReady. */
  readonly moments?: readonly { readonly t: number; readonly label: string }[];
}

const LANE_H = 44;

/** The chart's height: fixed for pod counts, a lane's height per lane for bars. */
function heightOf(c: Chart): number {
  if (!c.lanes) return H;
  return lanesTop(c) + LANE_H * Math.max(1, c.lanes.lanes.length) + PAD.bottom;
}

/** Where lanes start: below the moments' labels. */
const lanesTop = (c: Chart) => PAD.top + 11 * Math.min(4, c.moments?.length ?? 0) + 4;

/** The y axis, desired line and step lines of pod counts. */
function countLines(c: Counts, x: (t: number) => number, endT: number): string[] {
  const y = (n: number) => H - PAD.bottom - (n / c.maxY) * (H - PAD.top - PAD.bottom);
  const steps = (value: (i: number) => number) => {
    const pts: string[] = [];
    c.times.forEach((t, i) => {
      if (i > 0) pts.push(`${x(t).toFixed(1)},${y(value(i - 1)).toFixed(1)}`);
      pts.push(`${x(t).toFixed(1)},${y(value(i)).toFixed(1)}`);
    });
    if (c.times.length)
      pts.push(`${x(endT).toFixed(1)},${y(value(c.times.length - 1)).toFixed(1)}`);
    return pts.join(" ");
  };
  const ticks = Array.from({ length: c.maxY + 1 }, (_, n) => n);
  return [
    ...ticks.map(
      (n) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="#eee"/><text x="${PAD.left - 6}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end">${n}</text>`,
    ),
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(c.desired).toFixed(1)}" y2="${y(c.desired).toFixed(1)}" stroke="#d62728" stroke-dasharray="4 3"/>`,
    `<text x="${W - PAD.right}" y="${(y(c.desired) - 4).toFixed(1)}" text-anchor="end" fill="#d62728">desired ${c.desired}</text>`,
    ...c.series.map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="${s.width}" points="${steps(s.value)}"><title>${esc(s.label)}</title></polyline>`,
    ),
  ];
}

/** The bars of each lane, with the lane's heading above and its note below. */
function laneLines(c: Chart, l: Lanes, x: (t: number) => number): string[] {
  const top = (lane: number) => lanesTop(c) + LANE_H * lane;
  // Text starts at the lane's first bar, or ends at the right edge when that is past the middle.
  const textAt = (lane: number) => {
    const from = Math.min(...l.bands.filter((b) => b.lane === lane).map((b) => x(b.from)), W);
    return from <= W / 2 ? `x="${from.toFixed(1)}"` : `x="${W - PAD.right}" text-anchor="end"`;
  };
  return [
    ...l.lanes.flatMap((lane, i) => [
      `<text ${textAt(i)} y="${top(i) + 11}">${esc(lane.heading)}</text>`,
      ...(lane.note
        ? [
            `<text ${textAt(i)} y="${top(i) + 38}" fill="${lane.noteColor ?? "#111"}">${esc(lane.note)}</text>`,
          ]
        : []),
    ]),
    ...l.bands.map(
      (b) =>
        `<rect class="${b.kind}" x="${x(b.from).toFixed(1)}" y="${top(b.lane) + 15}" width="${Math.max(1, x(b.to) - x(b.from)).toFixed(1)}" height="12" fill="${b.fill}"${b.alarm ? ' stroke="#7f0000" stroke-width="1.5" stroke-dasharray="3 2"' : ""}><title>${esc(b.tip)}</title></rect>`,
    ),
  ];
}

/**
 * The chart every report shares: one time axis from 0 with its ends labelled; pod counts as step
 * lines (each value holds until the next sample) with a dashed desired line and a legend, or
 * lanes of bars; labelled vertical moments. Opens in any browser.
 */
function renderChart(c: Chart): string {
  const h = heightOf(c);
  const x = (t: number) => PAD.left + (t / c.endT) * (W - PAD.left - PAD.right);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(c.title)}</title>`,
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="16" font-size="13">${esc(c.heading)}</text>`,
    ...(c.counts ? countLines(c.counts, x, c.endT) : []),
    ...(c.lanes ? laneLines(c, c.lanes, x) : []),
    ...(c.moments ?? []).map(
      (m, i) =>
        `<line class="moment" x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${PAD.top}" y2="${h - PAD.bottom}" stroke="#8c564b" stroke-dasharray="2 2"><title>${esc(m.label)}</title></line><text x="${(x(m.t) + 3).toFixed(1)}" y="${PAD.top + 10 + 11 * (i % 4)}" fill="#8c564b">${esc(m.label)}</text>`,
    ),
    `<text x="${W - PAD.right}" y="${h - 8}" text-anchor="end">${(c.endT / 1000).toFixed(1)} s</text>`,
    `<text x="${PAD.left}" y="${h - 8}">0 s</text>`,
    ...(c.counts?.series ?? []).map(
      (s, i) =>
        `<text x="${PAD.left + 200 * i}" y="${h - 20}" fill="${s.color}">${esc(s.label)}</text>`,
    ),
    `</svg>`,
  ];
  return lines.join("\n") + "\n";
}

/** The black "ready (total)" line both reports start with. */
/** What a rollout and a recovery report share: ready pods sampled over time against a desired count. */
interface PodSamples {
  readonly durationSeconds: number;
  readonly desired: number;
  readonly samples: readonly { readonly t: number; readonly ready: number }[];
}

/**
 * The time span and the count panel of a pod-count chart: ready pods in total, then one line per
 * `parts` entry (a ReplicaSet, a node), each in the next colour.
 */
function podCountChart(
  r: PodSamples,
  parts: readonly { label: string; value: (i: number) => number }[],
): Pick<Chart, "endT" | "counts"> {
  return {
    endT: Math.max(1, r.durationSeconds * 1000, ...r.samples.map((s) => s.t)),
    counts: {
      times: r.samples.map((s) => s.t),
      maxY: Math.max(1, r.desired + 1, ...r.samples.map((s) => s.ready)),
      desired: r.desired,
      series: [
        { label: "ready (total)", color: "#111", width: 2.5, value: (i) => r.samples[i]!.ready },
        ...parts.map((part, k) => ({
          ...part,
          color: COLORS[(k + 1) % COLORS.length]!,
          width: 1.5,
        })),
      ],
    },
  };
}

/**
 * An SVG timeline of a rollout: ready pods of each ReplicaSet (old first, then new) and in total,
 * as step lines over time, with the desired count as a dashed line. Opens in any browser.
 */
export function renderTimelineSvg(r: RolloutReport): string {
  const hashes = [...new Set(r.samples.flatMap((s) => Object.keys(s.byHash)))];
  return renderChart({
    title: `Rollout of ${r.namespace}/${r.deployment}`,
    heading: `${r.namespace}/${r.deployment}: ${r.durationSeconds.toFixed(1)} s, fewest ready ${r.minReady} of ${r.desired}`,
    ...podCountChart(
      r,
      hashes.map((h) => ({
        label: `ReplicaSet …${h}${r.newReplicaSet?.endsWith(h) ? " (new)" : " (old)"}`,
        value: (i: number) => r.samples[i]!.byHash[h] ?? 0,
      })),
    ),
  });
}

/**
 * An SVG timeline of a recovery from a node loss: ready pods in total and per node, with the
 * moments (node lost, NotReady, endpoints changed, evicted, replaced) as vertical lines.
 */
export function renderRecoverySvg(r: RecoveryReport): string {
  const nodes = [...new Set(r.samples.flatMap((s) => Object.keys(s.byNode)))].sort();
  return renderChart({
    title: `Recovery of ${r.namespace}/${r.deployment} from losing ${r.lostNode}`,
    heading: `${r.namespace}/${r.deployment}, ${r.lostNode} lost: ${r.durationSeconds.toFixed(1)} s, fewest ready ${r.minReady} of ${r.desired}`,
    moments: r.moments,
    ...podCountChart(
      r,
      nodes.map((n) => ({
        label: `${n}${n === r.lostNode ? " (lost)" : ""}`,
        value: (i: number) => r.samples[i]!.byNode[n] ?? 0,
      })),
    ),
  });
}

const secondsBetween = (from: string, to: string) =>
  `${((Date.parse(to) - Date.parse(from)) / 1000).toFixed(1)} s`;

/** A step's verdict in a few words with its numbers, or why its up failed. */
function verdictNote(step: CanaryStepRecord, r: CanaryRolloutReport): string | undefined {
  if (step.verdict) return briefVerdict(step.verdict, r.analysis);
  if (!step.error) return undefined;
  return `${step.upFinishedAt ? "analysis failed" : "up failed"}: ${step.error.split("\n")[0]}`;
}

/** A step's lane: its up as a bar, then its analysis window coloured by the verdict. */
function stepBands(step: CanaryStepRecord, lane: number, t: (iso: string) => number): Band[] {
  const upEnd = step.upFinishedAt ?? step.decidedAt;
  const bands: Band[] = [];
  if (upEnd) {
    const tip = `${step.name}: up ${secondsBetween(step.appliedAt, upEnd)}`;
    bands.push({ from: t(step.appliedAt), to: t(upEnd), lane, kind: "up", fill: "#9ecae1", tip });
  }
  if (step.upFinishedAt && step.decidedAt && step.verdict) {
    const fail = step.verdict.verdict === "fail";
    bands.push({
      from: t(step.upFinishedAt),
      to: t(step.decidedAt),
      lane,
      kind: fail ? "analysis-fail" : "analysis-pass",
      fill: fail ? "#d62728" : "#2ca02c",
      ...(fail ? { alarm: true } : {}),
      tip: `${step.name}: analysis ${secondsBetween(step.upFinishedAt, step.decidedAt)}, ${step.verdict.verdict}`,
    });
  }
  return bands;
}

/**
 * An SVG timeline of a canary rollout, from the first step's start: a lane per step with its up
 * and its analysis window (green pass; red with a dashed outline for a fail) and the verdict with
 * its numbers below; then the abort (a moment at its decision, and its up) or the promotion.
 */
export function renderCanarySvg(r: CanaryRolloutReport, stackName = "the stack"): string {
  const first = r.steps[0]?.appliedAt ?? r.abort?.startedAt ?? r.promotion?.startedAt;
  const t0 = first ? Date.parse(first) : 0;
  const t = (iso: string) => Date.parse(iso) - t0;
  const ends = [
    ...r.steps.flatMap((s) => [s.appliedAt, s.upFinishedAt, s.decidedAt]),
    r.abort?.finishedAt,
    r.promotion?.finishedAt,
  ].filter((e): e is string => e !== undefined);
  const lanes: { heading: string; note?: string; noteColor?: string }[] = [];
  const bands: Band[] = [];
  const moments: { t: number; label: string }[] = [];
  r.steps.forEach((step, i) => {
    const up = step.upFinishedAt ? `up ${secondsBetween(step.appliedAt, step.upFinishedAt)}` : "up";
    const window =
      step.upFinishedAt && step.decidedAt
        ? `, analysis ${secondsBetween(step.upFinishedAt, step.decidedAt)}`
        : "";
    const note = verdictNote(step, r);
    const fail = step.verdict?.verdict !== "pass";
    lanes.push({
      heading: `step ${step.name}: ${up}${window}`,
      ...(note ? { note, noteColor: fail ? "#b2182b" : "#1a7a1a" } : {}),
    });
    bands.push(...stepBands(step, i, t));
  });
  if (r.abort) {
    const a = r.abort;
    const decided = r.steps.at(-1)?.decidedAt ?? a.startedAt;
    moments.push({ t: t(decided), label: `abort decided at ${(t(decided) / 1000).toFixed(1)} s` });
    const lane = lanes.length;
    const took = secondsBetween(a.startedAt, a.finishedAt);
    lanes.push({
      heading: `abort: canary to 0 pods, up ${took}${a.ok ? "" : " FAILED"}`,
      ...(a.error ? { note: a.error.split("\n")[0]!, noteColor: "#b2182b" } : {}),
    });
    const tip = `abort up ${took}`;
    const span = { from: t(a.startedAt), to: t(a.finishedAt), lane, tip };
    bands.push({ ...span, kind: "abort", fill: "#7f0000" });
  }
  if (r.promotion) {
    const p = r.promotion;
    const lane = lanes.length;
    const took = secondsBetween(p.startedAt, p.finishedAt);
    lanes.push({ heading: `promote: stable takes the new version, up ${took}` });
    const span = { from: t(p.startedAt), to: t(p.finishedAt), lane, tip: `promotion up ${took}` };
    bands.push({ ...span, kind: "promote", fill: "#1f77b4" });
    if (r.outcome === "promoted") moments.push({ t: t(p.finishedAt), label: "promoted" });
  }
  const endT = Math.max(1, ...ends.map(t));
  return renderChart({
    title: `Canary rollout of ${stackName}`,
    heading: `canary of ${stackName}: ${r.outcome} in ${(endT / 1000).toFixed(1)} s, window ${r.windowSeconds} s`,
    endT,
    moments,
    lanes: { lanes, bands },
  });
}
