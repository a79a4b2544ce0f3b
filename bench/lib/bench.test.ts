import { describe, expect, it } from "vitest";
import { mergeRuns, notMeasured, type Run } from "./report.ts";
import { judge, reportOnly, type SectionResult, verdict } from "./section.ts";
import { mdTable, overRepeats, pct, quantile, ratio } from "./stats.ts";
import { linePlot } from "./svg.ts";

describe("stats", () => {
  it("quantile is the nearest rank, whatever the order", () => {
    expect(quantile([5, 1, 4, 2, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(quantile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.95)).toBe(100);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it("overRepeats gives min, median, max", () => {
    expect(overRepeats([3, 1, 2])).toEqual({ min: 1, median: 2, max: 3 });
  });

  it("formats ratios and percentages", () => {
    expect(ratio(1.234)).toBe("1.23x");
    expect(pct(0.0091)).toBe("0.91%");
  });

  it("mdTable right-aligns the columns whose header starts with a space", () => {
    expect(mdTable(["figure", " median"], [["p95", "1"]])).toBe("| figure | median |\n|---|---:|\n| p95 | 1 |");
  });
});

describe("judge", () => {
  const s = (x: number) => `${x} s`;
  it("an upper limit: met at or under it, not met over it, with how far", () => {
    expect(judge("t", 5, "<=", 5, s)).toMatchObject({
      met: true,
      goal: "<= 5 s",
      measured: "5 s",
      by: "1.00x the goal",
    });
    expect(judge("t", 7, "<=", 5, s)).toMatchObject({ met: false, by: "1.40x the goal" });
  });

  it("a lower limit: met at or over it", () => {
    expect(judge("r", 400, ">=", 5_000, String).met).toBe(false);
    expect(judge("r", 6_000, ">=", 5_000, String).met).toBe(true);
  });

  it("says met, not met, or reported", () => {
    expect(verdict(judge("t", 1, "<=", 2, s))).toBe("met");
    expect(verdict(judge("t", 3, "<=", 2, s))).toBe("not met");
    expect(verdict(reportOnly("ratio", "0.13x"))).toBe("reported");
  });
});

describe("linePlot", () => {
  it("is one <svg> document with a polyline per series through its points", () => {
    const svg = linePlot({
      title: "a < b",
      xLabel: "samples",
      yLabel: "error",
      logX: true,
      series: [
        {
          name: "one",
          points: [
            [10, 0],
            [100, 1],
            [1000, 2],
          ],
        },
        {
          name: "two",
          points: [
            [10, 2],
            [1000, 0],
          ],
        },
      ],
    });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("a &lt; b");
    const polylines = [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) => (m[1] ?? "").split(" "));
    expect(polylines.map((p) => p.length)).toEqual([3, 2]);
    // Every point lies inside the drawing area.
    for (const [x, y] of polylines.flat().map((p) => p.split(",").map(Number))) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(640);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(400);
    }
  });

  it("draws a flat series without dividing by zero", () => {
    expect(linePlot({ title: "t", xLabel: "x", yLabel: "y", series: [{ name: "s", points: [[1, 1]] }] })).not.toContain(
      "NaN",
    );
  });
});

describe("mergeRuns (--only)", () => {
  const section = (name: string, ranAt: string): SectionResult => ({
    name,
    title: name,
    ranAt,
    loadBefore: [0, 0, 0],
    loadAfter: [0, 0, 0],
    repeats: 1,
    figures: [],
    goals: [],
    markdown: "",
    data: {},
  });
  const run = (date: string, names: string[]): Run => ({
    date,
    quick: false,
    command: "npm run bench",
    seconds: 1,
    machine: { node: "v20", cpus: 2, cpuModel: "cpu" },
    sections: names.map((n) => section(n, date)),
  });

  it("replaces the sections this run measured, keeps the others, in the runner's order", () => {
    const merged = mergeRuns(run("t0", ["a", "b", "c"]), run("t1", ["b"]), ["a", "b", "c"]);
    expect(merged.sections.map((s) => [s.name, s.ranAt])).toEqual([
      ["a", "t0"],
      ["b", "t1"],
      ["c", "t0"],
    ]);
    expect(merged.kept).toEqual({ from: "t0", sections: ["a", "c"] });
    // A kept section written before sections carried their own time takes its report's.
    const { ranAt: _, ...old } = section("d", "t0");
    const earlier = { ...run("t0", []), sections: [old] };
    expect(mergeRuns(earlier, run("t1", ["b"]), ["b", "d"]).sections.map((s) => s.ranAt)).toEqual(["t1", "t0"]);
    expect(merged.date).toBe("t1");
  });

  it("is this run alone when it measured every earlier section", () => {
    const now = run("t1", ["a", "b"]);
    expect(mergeRuns(run("t0", ["b", "a"]), now, ["a", "b"])).toBe(now);
  });

  it("lists what issue 13 asks for and the report lacks", () => {
    const missing = notMeasured(run("t", ["evaluator", "pay-gas"]));
    expect(missing).toContain("scale model");
    expect(missing).not.toContain("evaluator");
    expect(missing).not.toContain("pay per call");
  });
});
