// A tiny hand-written SVG line plot: enough for CDFs and error curves, no plotting dependency.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

export interface LinePlot {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Log10 x axis (sample counts, latencies spanning decades). */
  readonly logX?: boolean;
}

const W = 640;
const H = 400;
const M = { left: 70, right: 20, top: 40, bottom: 60 };
const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

const xmlText = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (x: number): string => (Math.abs(x) >= 1000 || x === Math.round(x) ? x.toFixed(0) : x.toPrecision(3));

/**
 * The plot as an SVG document: axes with 5 ticks each, one polyline per series, a legend.
 *
 * @example linePlot({ title: "p99 error", xLabel: "samples", yLabel: "%", logX: true, series: [{ name: "a", points: [[1e3, 0.5]] }] })
 */
export function linePlot(plot: LinePlot): string {
  const tx = (x: number) => (plot.logX ? Math.log10(x) : x);
  const all = plot.series.flatMap((s) => s.points);
  const xs = all.map(([x]) => tx(x));
  const ys = all.map(([, y]) => y);
  const [x0, x1] = span(xs);
  const [y0, y1] = span([0, ...ys]);
  const px = (x: number) => M.left + ((tx(x) - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((y - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">${xmlText(plot.title)}</text>`,
    `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 15}" text-anchor="middle">${xmlText(plot.xLabel)}</text>`,
    `<text x="15" y="${H / 2}" text-anchor="middle" transform="rotate(-90 15 ${H / 2})">${xmlText(plot.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xt = x0 + ((x1 - x0) * i) / 4;
    const x = plot.logX ? 10 ** xt : xt;
    const yv = y0 + ((y1 - y0) * i) / 4;
    parts.push(
      `<text x="${px(x).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${num(x)}</text>`,
      `<text x="${M.left - 6}" y="${(py(yv) + 4).toFixed(1)}" text-anchor="end">${num(yv)}</text>`,
    );
  }
  plot.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    parts.push(
      `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`,
      `<text x="${W - M.right - 150}" y="${M.top + 14 * i}" fill="${color}">${xmlText(s.name)}</text>`,
    );
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}

/** [min, max] of the values, widened when they are all equal so the scale never divides by zero. */
function span(values: readonly number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return lo === hi ? [lo - 1, hi + 1] : [lo, hi];
}
