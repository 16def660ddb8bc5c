//! The waterfall of one chain start, laid out as numbers before anything is drawn: one row per
//! service in plan order, x = milliseconds since the execution began on a linear scale. A bar
//! runs from the service's spawn to its ready; before the spawn, the time it waited (for its
//! dependencies, or its turn under the strategy) is a segment of its own. Every step waits from
//! the execution's start (the engine begins each step `waiting`; the report keeps no other start
//! of the wait), so that segment runs from 0 to the spawn. The report keeps no time for a failure
//! either: a failed service's bar runs from its spawn to the execution's end, and a service never
//! spawned (skipped, or failed before its spawn) is a dashed outline over the whole execution.

import type { ExecutionReport } from "../../api/types/ExecutionReport";
import type { ServiceTiming } from "../../api/types/ServiceTiming";
import type { StepState } from "../../api/types/StepState";
import { formatMs } from "./merge";

/** The drawing's size, in SVG user units (the SVG scales to its container's width). */
export interface WaterfallSize {
  /** The whole width: names, plot, and the value column. */
  width: number;
  /** The service names' column, left of the plot. */
  labelWidth: number;
  /** The value column (`200 ms`, `failed`), right of the plot. */
  valueWidth: number;
  /** The axis with its tick labels, above the rows. */
  axisHeight: number;
  rowHeight: number;
  barHeight: number;
  /** The narrowest bar drawn, so a service ready the moment it spawned still shows. */
  minBar: number;
}

export const WATERFALL_SIZE: WaterfallSize = {
  width: 760, labelWidth: 120, valueWidth: 150, axisHeight: 24, rowHeight: 28, barHeight: 14, minBar: 2,
};

/** A horizontal extent in user units. */
export interface Span {
  x: number;
  width: number;
}

export interface WaterfallRow {
  name: string;
  state: StepState;
  reason: string | null;
  /** On the critical chain: the services whose readiness set the total time. */
  critical: boolean;
  /** Top of the row, and of its bar. */
  y: number;
  barY: number;
  /** From the start of its wait (the execution's start) to its spawn; null when spawned at once. */
  wait: Span | null;
  /** From its spawn to its ready (to the execution's end when it failed or is still starting). */
  run: Span | null;
  /** Never spawned (skipped, or failed first): the whole execution, drawn as an outline. */
  unstarted: Span | null;
  /** Milliseconds from its spawn to its ready; null unless it got ready. */
  spawnToReadyMs: number | null;
  /** The value column's text. */
  value: string;
  /** What the row's tooltip says. */
  title: string;
  /** What the wait segment's tooltip says. */
  waitTitle: string | null;
}

export interface WaterfallTick {
  x: number;
  ms: number;
  label: string;
}

export interface WaterfallLayout {
  width: number;
  height: number;
  /** The plot's left and right edges (x of 0 ms and of `domainMs`). */
  plotLeft: number;
  plotRight: number;
  /** The milliseconds the plot spans: the execution's total (or a later step time, if any). */
  domainMs: number;
  /** x of the execution's end. */
  endX: number;
  ticks: WaterfallTick[];
  rows: WaterfallRow[];
}

/** The tick step for `domainMs`: 1, 2 or 5 times a power of ten, about `count` ticks. */
export function tickStep(domainMs: number, count = 5): number {
  const raw = Math.max(domainMs, 1) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  return Math.max(1, step);
}

/** Where the chain start `report` draws each service. */
export function waterfallLayout(report: ExecutionReport, size: WaterfallSize = WATERFALL_SIZE): WaterfallLayout {
  const plotLeft = size.labelWidth;
  const plotRight = size.width - size.valueWidth;
  const times = report.services.flatMap((s) => [s.spawned_ms ?? 0, s.ready_ms ?? 0]);
  const domainMs = Math.max(1, report.total_ms, ...times);
  const x = (ms: number) => plotLeft + (ms / domainMs) * (plotRight - plotLeft);
  const span = (from: number, to: number, min = 0): Span => ({ x: x(from), width: Math.max(min, x(to) - x(from)) });
  const end = Math.max(report.total_ms, 0);
  const critical = new Set(report.critical_chain);

  const rows = report.services.map((step, i): WaterfallRow => {
    const y = size.axisHeight + i * size.rowHeight;
    const spawned = step.spawned_ms;
    const readyAt = step.state === "ready" || step.state === "completed" ? step.ready_ms : null;
    const spawnToReadyMs = spawned !== null && readyAt !== null ? Math.max(0, readyAt - spawned) : null;
    const onChain = critical.has(step.name);
    return {
      name: step.name,
      state: step.state,
      reason: step.reason,
      critical: onChain,
      y,
      barY: y + (size.rowHeight - size.barHeight) / 2,
      wait: spawned !== null && spawned > 0 ? span(0, spawned) : null,
      run: spawned === null ? null : span(spawned, readyAt ?? Math.max(end, spawned), size.minBar),
      unstarted: spawned === null ? span(0, end, size.minBar) : null,
      spawnToReadyMs,
      value: valueText(step, spawnToReadyMs) + (onChain ? " · critical" : ""),
      title: rowTitle(step, spawnToReadyMs) + (onChain ? "; on the critical chain" : ""),
      waitTitle: spawned !== null && spawned > 0
        ? `${step.name} waited ${formatMs(spawned)} before its spawn (for its dependencies or its turn)`
        : null,
    };
  });

  const step = tickStep(domainMs);
  const ticks: WaterfallTick[] = [];
  for (let ms = 0; ms <= domainMs; ms += step) ticks.push({ x: x(ms), ms, label: formatMs(ms) });

  return {
    width: size.width,
    height: size.axisHeight + report.services.length * size.rowHeight,
    plotLeft,
    plotRight,
    domainMs,
    endX: x(end),
    ticks,
    rows,
  };
}

function valueText(step: ServiceTiming, spawnToReadyMs: number | null): string {
  if (spawnToReadyMs !== null) return formatMs(spawnToReadyMs);
  return step.state;
}

function rowTitle(step: ServiceTiming, spawnToReadyMs: number | null): string {
  const why = step.reason ? ` — ${step.reason}` : "";
  const spawned = step.spawned_ms;
  switch (step.state) {
    case "ready":
      return spawned === null || spawnToReadyMs === null
        ? `${step.name}: ready${why}`
        : `${step.name}: spawned at ${formatMs(spawned)}, ready at ${formatMs(step.ready_ms!)} ` +
            `(${formatMs(spawnToReadyMs)} spawn to ready)${why}`;
    case "failed":
      return spawned === null
        ? `${step.name}: failed before its spawn${why}`
        : `${step.name}: failed after its spawn at ${formatMs(spawned)}${why}`;
    case "skipped":
      return `${step.name}: skipped${why}`;
    case "already_ready":
      return `${step.name}: already ready, nothing started`;
    case "completed":
      return spawned === null
        ? `${step.name}: completed earlier, not run again${why}`
        : `${step.name}: spawned at ${formatMs(spawned)}, completed at ${formatMs(step.ready_ms ?? spawned)}${why}`;
    case "starting":
      return `${step.name}: spawned at ${formatMs(spawned ?? 0)}, not ready yet`;
    case "waiting":
      return `${step.name}: waiting, not spawned yet`;
  }
}

/** The waterfall in words, for the SVG's `aria-label`. */
export function waterfallSummary(report: ExecutionReport): string {
  const named = (state: StepState) => report.services.filter((s) => s.state === state).map((s) => s.name);
  const [ready, failed, skipped] = [named("ready"), named("failed"), named("skipped")];
  const [already, completed] = [named("already_ready"), named("completed")];
  const parts = [`${report.services.length} services`, `${ready.length} ready`];
  if (already.length > 0) parts.push(`${already.length} already ready`);
  if (completed.length > 0) parts.push(`${completed.length} completed`);
  if (failed.length > 0) parts.push(`${failed.length} failed (${failed.join(", ")})`);
  if (skipped.length > 0) parts.push(`${skipped.length} skipped (${skipped.join(", ")})`);
  const chain = report.critical_chain.length > 0 ? `; critical chain ${report.critical_chain.join(" → ")}` : "";
  return `Chain start #${report.id} with ${report.strategy}, ${report.status} in ${formatMs(report.total_ms)}: ` +
    `${parts.join(", ")}${chain}`;
}
