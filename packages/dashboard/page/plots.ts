import uPlot from "uplot";
import type { EpochSeries } from "../src/view/shape.ts";

/** Which plot of a model: latency percentiles, uptime, or the verdict's evidence counts. */
export type PlotKind = "latency" | "uptime" | "evidence";

const COLORS = {
  p50: "#2b8a3e",
  p95: "#1c5fb8",
  p99: "#7b3fb5",
  sla: "#c92a2a",
  probes: "#495057",
  receipts: "#e67700",
};

/** The y values and series of one plot (x is always the epoch number). */
function plotOf(kind: PlotKind, series: EpochSeries): { unit: string; lines: uPlot.Series[]; data: uPlot.AlignedData } {
  const sla = (label: string): uPlot.Series => ({
    label,
    stroke: COLORS.sla,
    width: 2,
    dash: [8, 4],
    points: { show: false },
  });
  const line = (label: string, stroke: string): uPlot.Series => ({
    label,
    stroke,
    width: 2,
    points: { show: true, size: 7 },
  });
  switch (kind) {
    case "latency":
      return {
        unit: "ms",
        lines: [
          line("p50 (ms)", COLORS.p50),
          line("p95 (ms)", COLORS.p95),
          line("p99 (ms)", COLORS.p99),
          sla("SLA p95 max (ms)"),
        ],
        data: [series.epochs, series.p50Ms, series.p95Ms, series.p99Ms, series.slaP95Ms],
      };
    case "uptime":
      return {
        unit: "%",
        lines: [line("uptime (%)", COLORS.p95), sla("SLA uptime min (%)")],
        data: [series.epochs, series.uptimePct, series.slaUptimePct],
      };
    case "evidence":
      return {
        unit: "count",
        lines: [line("probe samples", COLORS.probes), line("paid-call receipts", COLORS.receipts)],
        data: [series.epochs, series.probes, series.receipts],
      };
  }
}

const TITLES: Record<PlotKind, string> = {
  latency: "Latency per epoch against the SLA's p95 line",
  uptime: "Uptime per epoch against the SLA's minimum",
  evidence: "Probes vs paid-traffic receipts per epoch",
};

/**
 * Draws a plot into `container`, or updates the one already there with new data (the page refreshes every 5 s).
 * The container's `data-points` tells how many epochs it plots.
 */
export function drawPlot(
  container: HTMLElement,
  kind: PlotKind,
  series: EpochSeries,
  plots: Map<HTMLElement, uPlot>,
): void {
  const { unit, lines, data } = plotOf(kind, series);
  container.dataset.points = String(series.epochs.length);
  const existing = plots.get(container);
  if (existing) {
    existing.setData(data);
    return;
  }
  const plot = new uPlot(
    {
      title: TITLES[kind],
      width: Math.max(320, Math.min(container.clientWidth || 640, 900)),
      height: 220,
      scales: {
        x: { time: false },
        // A flat series (every epoch the same) still gets a visible range.
        y: {
          range: (_plot, min, max) => (min === max ? [Math.max(0, min - 1), max + 1] : [Math.min(0, min), max * 1.1]),
        },
      },
      axes: [
        { label: "epoch", values: (_plot, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? String(tick) : "")) },
        { label: unit, size: 60 },
      ],
      series: [{ label: "epoch" }, ...lines],
    },
    data,
    container,
  );
  plots.set(container, plot);
}
