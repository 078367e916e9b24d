import type { DeployResult } from "./results";

const W = 640;
const H = 320;
const PAD = { left: 56, right: 20, top: 52, bottom: 44 };

const esc = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Round tick steps (1, 2, 5 × 10^k) giving about `count` ticks up to `max`. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let t = 0; t < max + step / 2; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks.length * step).toPrecision(12)));
  return ticks;
}

interface Series {
  label: string;
  color: string;
  dash?: string;
  points: { n: number; s: number }[];
}

/**
 * chart.svg: median wall time against the number of apps, pulumi up against kubectl apply +
 * rollout status, for the create and the new-version step. Opens in any browser.
 */
export function renderChartSvg(deploy: DeployResult | undefined): string {
  const rows = [...(deploy?.rows ?? [])].sort((a, b) => a.n - b.n);
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<title>Deploy time against the number of apps: pulumi up and kubectl</title>`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${PAD.left}" y="18" font-size="13">Deploy wall time (median) against the number of apps${deploy ? esc(`, pulumi ${deploy.tuning.parallel}`) : ""}</text>`,
  ];
  if (rows.length === 0) {
    return (
      [
        ...head,
        `<text x="${W / 2}" y="${H / 2}" text-anchor="middle" fill="#666">no deploy measurements in this run</text>`,
        `</svg>`,
      ].join("\n") + "\n"
    );
  }
  const series: Series[] = [
    {
      label: "pulumi up (create)",
      color: "#1f77b4",
      points: rows.map((r) => ({ n: r.n, s: r.pulumi.up.median })),
    },
    {
      label: "kubectl (create)",
      color: "#ff7f0e",
      points: rows.map((r) => ({ n: r.n, s: r.kubectl.create.median })),
    },
    {
      label: "pulumi up (new version)",
      color: "#1f77b4",
      dash: "5 4",
      points: rows.map((r) => ({ n: r.n, s: r.pulumi.update.median })),
    },
    {
      label: "kubectl (new version)",
      color: "#ff7f0e",
      dash: "5 4",
      points: rows.map((r) => ({ n: r.n, s: r.kubectl.update.median })),
    },
  ];
  const maxN = Math.max(...rows.map((r) => r.n));
  const yTicks = niceTicks(Math.max(...series.flatMap((s) => s.points.map((p) => p.s))));
  const maxY = yTicks[yTicks.length - 1]!;
  const x = (n: number) => PAD.left + (maxN === 0 ? 0 : (n / maxN) * (W - PAD.left - PAD.right));
  const y = (s: number) => H - PAD.bottom - (s / maxY) * (H - PAD.top - PAD.bottom);
  const f = (v: number) => v.toFixed(1);
  const lines = [
    ...head,
    ...yTicks.map(
      (t) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${f(y(t))}" y2="${f(y(t))}" stroke="#eee"/><text x="${PAD.left - 6}" y="${f(y(t) + 4)}" text-anchor="end">${t} s</text>`,
    ),
    ...rows.map(
      (r) =>
        `<line x1="${f(x(r.n))}" x2="${f(x(r.n))}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom + 4}" stroke="#999"/><text x="${f(x(r.n))}" y="${H - PAD.bottom + 16}" text-anchor="middle">${r.n}</text>`,
    ),
    `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom}" stroke="#999"/>`,
    `<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 8}" text-anchor="middle">apps (AppDeployments, ${rows[0]!.replicas} replicas each)</text>`,
    ...series.flatMap((s) => [
      `<polyline fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} points="${s.points.map((p) => `${f(x(p.n))},${f(y(p.s))}`).join(" ")}"><title>${esc(s.label)}</title></polyline>`,
      ...s.points.map(
        (p) =>
          `<circle cx="${f(x(p.n))}" cy="${f(y(p.s))}" r="3" fill="${s.color}"><title>${esc(`${s.label}, ${p.n} apps: ${p.s.toFixed(1)} s`)}</title></circle>`,
      ),
    ]),
    ...series.map((s, i) => {
      const lx = PAD.left + (i % 2) * 220;
      const ly = 32 + Math.floor(i / 2) * 14;
      return `<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/><text x="${lx + 30}" y="${ly}">${esc(s.label)}</text>`;
    }),
    `</svg>`,
  ];
  return lines.join("\n") + "\n";
}
