import type { RolloutReport } from "./rollout-watch";

const W = 640;
const H = 240;
const PAD = { left: 44, right: 16, top: 28, bottom: 36 };
const COLORS = ["#9aa5b1", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd"];

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * An SVG timeline of a rollout: ready pods of each ReplicaSet (old first, then new) and in total,
 * as step lines over time, with the desired count as a dashed line. Opens in any browser.
 */
export function renderTimelineSvg(r: RolloutReport): string {
  const endT = Math.max(1, r.durationSeconds * 1000, ...r.samples.map((s) => s.t));
  const hashes = [...new Set(r.samples.flatMap((s) => Object.keys(s.byHash)))];
  const maxY = Math.max(1, r.desired + 1, ...r.samples.map((s) => s.ready));
  const x = (t: number) => PAD.left + (t / endT) * (W - PAD.left - PAD.right);
  const y = (n: number) => H - PAD.bottom - (n / maxY) * (H - PAD.top - PAD.bottom);
  const steps = (value: (i: number) => number) => {
    const pts: string[] = [];
    r.samples.forEach((s, i) => {
      if (i > 0) pts.push(`${x(s.t).toFixed(1)},${y(value(i - 1)).toFixed(1)}`);
      pts.push(`${x(s.t).toFixed(1)},${y(value(i)).toFixed(1)}`);
    });
    if (r.samples.length)
      pts.push(`${x(endT).toFixed(1)},${y(value(r.samples.length - 1)).toFixed(1)}`);
    return pts.join(" ");
  };
  const series = [
    {
      label: "ready (total)",
      color: "#111",
      width: 2.5,
      value: (i: number) => r.samples[i]!.ready,
    },
    ...hashes.map((h, k) => ({
      label: `ReplicaSet …${h}${r.newReplicaSet?.endsWith(h) ? " (new)" : " (old)"}`,
      color: COLORS[(k + 1) % COLORS.length]!,
      width: 1.5,
      value: (i: number) => r.samples[i]!.byHash[h] ?? 0,
    })),
  ];
  const ticks = Array.from({ length: maxY + 1 }, (_, n) => n);
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>${esc(`Rollout of ${r.namespace}/${r.deployment}`)}</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="16" font-size="13">${esc(`${r.namespace}/${r.deployment}: ${r.durationSeconds.toFixed(1)} s, fewest ready ${r.minReady} of ${r.desired}`)}</text>`,
    ...ticks.map(
      (n) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(n).toFixed(1)}" y2="${y(n).toFixed(1)}" stroke="#eee"/><text x="${PAD.left - 6}" y="${(y(n) + 4).toFixed(1)}" text-anchor="end">${n}</text>`,
    ),
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(r.desired).toFixed(1)}" y2="${y(r.desired).toFixed(1)}" stroke="#d62728" stroke-dasharray="4 3"/>`,
    `<text x="${W - PAD.right}" y="${(y(r.desired) - 4).toFixed(1)}" text-anchor="end" fill="#d62728">desired ${r.desired}</text>`,
    ...series.map(
      (s) =>
        `<polyline fill="none" stroke="${s.color}" stroke-width="${s.width}" points="${steps(s.value)}"><title>${esc(s.label)}</title></polyline>`,
    ),
    `<text x="${W - PAD.right}" y="${H - 8}" text-anchor="end">${(endT / 1000).toFixed(1)} s</text>`,
    `<text x="${PAD.left}" y="${H - 8}">0 s</text>`,
    ...series.map(
      (s, i) =>
        `<text x="${PAD.left + 200 * i}" y="${H - 20}" fill="${s.color}">${esc(s.label)}</text>`,
    ),
    `</svg>`,
  ];
  return lines.join("\n") + "\n";
}
