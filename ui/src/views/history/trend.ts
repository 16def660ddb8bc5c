//! A service's spawn-to-ready time across runs, laid out as a sparkline: one point per run, oldest
//! left, evenly spaced; y from 0 ms (bottom) to the slowest run (top). A run that did not get
//! ready (failed, skipped) has no time: it is a marker on the baseline, and the line skips it.

import { formatMs, type TrendPoint } from "./merge";

export interface TrendSize {
  width: number;
  height: number;
  /** Room around the plot, so markers at the edges show whole. */
  pad: number;
}

export const TREND_SIZE: TrendSize = { width: 240, height: 64, pad: 8 };

export interface TrendMark extends TrendPoint {
  x: number;
  y: number;
  /** What its tooltip says. */
  title: string;
}

export interface TrendLayout {
  width: number;
  height: number;
  /** y of 0 ms. */
  baseline: number;
  /** The slowest spawn-to-ready time (the top of the scale); 0 when no run got ready. */
  maxMs: number;
  marks: TrendMark[];
  /** The line through the runs that got ready (an SVG path), empty when none did. */
  path: string;
}

/** Where each run of `points` (oldest first) goes. */
export function trendLayout(points: TrendPoint[], size: TrendSize = TREND_SIZE): TrendLayout {
  const { width, height, pad } = size;
  const baseline = height - pad;
  const values = points.flatMap((p) => (p.spawnToReadyMs === null ? [] : [p.spawnToReadyMs]));
  const maxMs = Math.max(0, ...values);
  const x = (i: number) => (points.length <= 1 ? width / 2 : pad + (i * (width - 2 * pad)) / (points.length - 1));
  const y = (ms: number) => (maxMs === 0 ? baseline : baseline - (ms / maxMs) * (height - 2 * pad));
  const marks = points.map((p, i): TrendMark => ({
    ...p,
    x: x(i),
    y: y(p.spawnToReadyMs ?? 0),
    title: p.spawnToReadyMs === null
      ? `#${p.executionId}: ${p.state}${p.reason ? ` — ${p.reason}` : ""}`
      : `#${p.executionId}: ${formatMs(p.spawnToReadyMs)} spawn to ready`,
  }));
  const path = marks
    .filter((m) => m.spawnToReadyMs !== null)
    .map((m, i) => `${i === 0 ? "M" : "L"}${round(m.x)} ${round(m.y)}`)
    .join(" ");
  return { width, height, baseline, maxMs, marks, path };
}

/** The trend in words, for the SVG's `aria-label`. */
export function trendSummary(service: string, points: TrendPoint[]): string {
  const runs = `${points.length} run${points.length === 1 ? "" : "s"}`;
  const values = points.flatMap((p) => (p.spawnToReadyMs === null ? [] : [p.spawnToReadyMs]));
  const notReady = points.length - values.length;
  const parts = [`${service}: ${runs}`];
  if (values.length > 0) {
    parts.push(`spawn to ready from ${formatMs(Math.min(...values))} to ${formatMs(Math.max(...values))}`);
  }
  const latest = points[points.length - 1];
  if (latest) {
    parts.push(`latest ${latest.spawnToReadyMs === null ? latest.state : formatMs(latest.spawnToReadyMs)}`);
  }
  if (notReady > 0) parts.push(`${notReady} not ready`);
  return parts.join(", ");
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
