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

/** What a timeline chart draws: step lines over sample times, the desired count, moments. */
interface Chart {
  readonly title: string;
  readonly heading: string;
  /** Sample times, ms from the start. */
  readonly times: readonly number[];
  readonly endT: number;
  readonly maxY: number;
  readonly desired: number;
  readonly series: readonly Series[];
  /** Vertical markers (ms from the start), such as a node turning NotReady. */
  readonly moments?: readonly { readonly t: number; readonly label: string }[];
}

/**
 * The chart both reports share: step lines (each value holds until the next sample), a dashed
 * desired line, labelled vertical moments, axis ends and a legend. Opens in any browser.
 */
function renderChart(c: Chart): string {
  const x = (t: number) => PAD.left + (t / c.endT) * (W - PAD.left - PAD.right);
  const y = (n: number) => H - PAD.bottom - (n / c.maxY) * (H - PAD.top - PAD.bottom);
  const steps = (value: (i: number) => number) => {
    const pts: string[] = [];
    c.times.forEach((t, i) => {
      if (i > 0) pts.push(`${x(t).toFixed(1)},${y(value(i - 1)).toFixed(1)}`);
      pts.push(`${x(t).toFixed(1)},${y(value(i)).toFixed(1)}`);
    });
    if (c.times.length)
      pts.push(`${x(c.endT).toFixed(1)},${y(value(c.times.length - 1)).toFixed(1)}`);
    return pts.join(" ");
  };
  const ticks = Array.from({ length: c.maxY + 1 }, (_, n) => n);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(c.title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="16" font-size="13">${esc(c.heading)}</text>`,
    ...ticks.map(
      (n) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="#eee"/><text x="${PAD.left - 6}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end">${n}</text>`,
    ),
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(c.desired).toFixed(1)}" y2="${y(c.desired).toFixed(1)}" stroke="#d62728" stroke-dasharray="4 3"/>`,
    `<text x="${W - PAD.right}" y="${(y(c.desired) - 4).toFixed(1)}" text-anchor="end" fill="#d62728">desired ${c.desired}</text>`,
    ...(c.moments ?? []).map(
      (m, i) =>
        `<line x1="${x(m.t).toFixed(1)}" x2="${x(m.t).toFixed(1)}" y1="${PAD.top}" y2="${H - PAD.bottom}" stroke="#8c564b" stroke-dasharray="2 2"><title>${esc(m.label)}</title></line><text x="${(x(m.t) + 3).toFixed(1)}" y="${PAD.top + 10 + 11 * (i % 4)}" fill="#8c564b">${esc(m.label)}</text>`,
    ),
    ...c.series.map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="${s.width}" points="${steps(s.value)}"><title>${esc(s.label)}</title></polyline>`,
    ),
    `<text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${(c.endT / 1000).toFixed(1)} s</text>`,
    `<text x="${PAD.left}" y="${H - 8}">0 s</text>`,
    ...c.series.map(
      (s, i) =>
        `<text x="${PAD.left + 200 * i}" y="${H - 20}" fill="${s.color}">${esc(s.label)}</text>`,
    ),
    `</svg>`,
  ];
  return lines.join("\n") + "\n";
}

/** The black "ready (total)" line both reports start with. */
const totalSeries = (ready: (i: number) => number): Series => ({
  label: "ready (total)",
  color: "#111",
  width: 2.5,
  value: ready,
});

/**
 * An SVG timeline of a rollout: ready pods of each ReplicaSet (old first, then new) and in total,
 * as step lines over time, with the desired count as a dashed line. Opens in any browser.
 */
export function renderTimelineSvg(r: RolloutReport): string {
  const hashes = [...new Set(r.samples.flatMap((s) => Object.keys(s.byHash)))];
  return renderChart({
    title: `Rollout of ${r.namespace}/${r.deployment}`,
    heading: `${r.namespace}/${r.deployment}: ${r.durationSeconds.toFixed(1)} s, fewest ready ${r.minReady} of ${r.desired}`,
    times: r.samples.map((s) => s.t),
    endT: Math.max(1, r.durationSeconds * 1000, ...r.samples.map((s) => s.t)),
    maxY: Math.max(1, r.desired + 1, ...r.samples.map((s) => s.ready)),
    desired: r.desired,
    series: [
      totalSeries((i) => r.samples[i]!.ready),
      ...hashes.map((h, k) => ({
        label: `ReplicaSet …${h}${r.newReplicaSet?.endsWith(h) ? " (new)" : " (old)"}`,
        color: COLORS[(k + 1) % COLORS.length]!,
        width: 1.5,
        value: (i: number) => r.samples[i]!.byHash[h] ?? 0,
      })),
    ],
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
    times: r.samples.map((s) => s.t),
    endT: Math.max(1, r.durationSeconds * 1000, ...r.samples.map((s) => s.t)),
    maxY: Math.max(1, r.desired + 1, ...r.samples.map((s) => s.ready)),
    desired: r.desired,
    moments: r.moments,
    series: [
      totalSeries((i) => r.samples[i]!.ready),
      ...nodes.map((n, k) => ({
        label: `${n}${n === r.lostNode ? " (lost)" : ""}`,
        color: COLORS[(k + 1) % COLORS.length]!,
        width: 1.5,
        value: (i: number) => r.samples[i]!.byNode[n] ?? 0,
      })),
    ],
  });
}
