import { describe, expect, it } from "vitest";
import type { TrendPoint } from "./merge";
import { trendLayout, trendSummary } from "./trend";

const point = (executionId: number, spawnToReadyMs: number | null): TrendPoint => ({
  executionId, startedAtMs: executionId * 1000, state: spawnToReadyMs === null ? "failed" : "ready", spawnToReadyMs,
  reason: spawnToReadyMs === null ? "exited with code 1" : null,
});

// A plot from x 10 to 110 and y 10 (slowest) to 50 (0 ms).
const SIZE = { width: 120, height: 60, pad: 10 };

describe("trendLayout", () => {
  it("has one mark per run, evenly spaced, scaled to the slowest", () => {
    const layout = trendLayout([point(1, 100), point(2, 200), point(3, 50)], SIZE);
    expect(layout.marks.map((m) => [m.executionId, m.x, m.y])).toEqual([[1, 10, 30], [2, 60, 10], [3, 110, 40]]);
    expect(layout.maxMs).toBe(200);
    expect(layout.path).toBe("M10 30 L60 10 L110 40");
    expect(layout.marks[1]!.title).toBe("#2: 200 ms spawn to ready");
  });

  it("puts a run that did not get ready on the baseline, off the line", () => {
    const layout = trendLayout([point(1, 100), point(2, null), point(3, 100)], SIZE);
    expect(layout.marks[1]).toMatchObject({ x: 60, y: 50, title: "#2: failed — exited with code 1" });
    expect(layout.path).toBe("M10 10 L110 10");
  });

  it("centres a single run and draws nothing for none", () => {
    expect(trendLayout([point(4, 80)], SIZE).marks.map((m) => [m.x, m.y])).toEqual([[60, 10]]);
    expect(trendLayout([], SIZE)).toMatchObject({ marks: [], path: "", maxMs: 0 });
  });
});

it("sums a trend up in words", () => {
  expect(trendSummary("api", [point(1, 120), point(2, null), point(3, 340)])).toBe(
    "api: 3 runs, spawn to ready from 120 ms to 340 ms, latest 340 ms, 1 not ready",
  );
  expect(trendSummary("db", [point(1, null)])).toBe("db: 1 run, latest failed, 1 not ready");
});
