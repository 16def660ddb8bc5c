//! The recent chain starts, built from per-service histories: the engine answers `history` for
//! one service at a time (the chain starts that included it), so the window asks for every
//! service and merges the answers by execution id. Pure, so it is tested without a backend.

import type { ExecutionReport } from "../../api/types/ExecutionReport";
import type { StepState } from "../../api/types/StepState";

/** How many chain starts the list shows, and how many each service's history is asked for. */
export const HISTORY_LIMIT = 20;

/** Every execution of `lists` once, newest first. Ids are the engine's row ids, given in start
 *  order, so a higher id is a newer chain start (the engine's own `history` order). A later
 *  copy of the same id (read after it) replaces an earlier one. */
export function mergeHistories(lists: ExecutionReport[][]): ExecutionReport[] {
  const byId = new Map<number, ExecutionReport>();
  for (const list of lists) for (const report of list) byId.set(report.id, report);
  return [...byId.values()].sort((a, b) => b.id - a.id);
}

/** One run of a service in the merged history: its spawn-to-ready time, when it got ready. */
export interface TrendPoint {
  /** The execution it ran in. */
  executionId: number;
  /** When that execution began (Unix ms). */
  startedAtMs: number;
  /** Where the service got to in that execution. */
  state: StepState;
  /** Milliseconds from its spawn to ready; null when it did not get ready (failed, skipped). */
  spawnToReadyMs: number | null;
  /** Why it failed or was skipped. */
  reason: string | null;
}

/** The runs of `service` in `executions` (newest first, as merged), oldest first for a chart:
 *  one point per chain start that included it, at most the newest `limit`. */
export function trendOf(executions: ExecutionReport[], service: string, limit = HISTORY_LIMIT): TrendPoint[] {
  const points: TrendPoint[] = [];
  for (const report of executions) {
    const step = report.services.find((s) => s.name === service);
    if (!step) continue;
    const ready = step.state === "ready" && step.spawned_ms !== null && step.ready_ms !== null;
    points.push({
      executionId: report.id,
      startedAtMs: report.started_at_ms,
      state: step.state,
      spawnToReadyMs: ready ? Math.max(0, step.ready_ms! - step.spawned_ms!) : null,
      reason: step.reason,
    });
    if (points.length === limit) break;
  }
  return points.reverse();
}

/** A duration as the window writes it: `850 ms`, `1.25 s`, `12.5 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  return `${s < 10 ? Number(s.toFixed(2)) : Number(s.toFixed(1))} s`;
}
