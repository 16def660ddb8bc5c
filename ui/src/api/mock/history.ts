//! `history` in the mock engine: every finished chain start's report is kept, newest (highest id)
//! first, like the engine's `startup_execution` rows (`ORDER BY id DESC`), and a service's history is the chain starts that
//! included it (as a root or as something a root needed), at most `limit` of them.

import type { ExecutionReport } from "../types/ExecutionReport";
import type { MockEngine } from "./engine";

/** The engine's default when a `history` request gives no limit. */
export const DEFAULT_HISTORY_LIMIT = 10;

/** Keeps a finished chain start's report, before its `ExecutionFinished` goes out (the engine
 *  writes the report first, so a `history` read on that event finds it). */
export function recordExecution(engine: MockEngine, report: ExecutionReport): void {
  engine.reports = [report, ...engine.reports.filter((r) => r.id !== report.id)].sort((a, b) => b.id - a.id);
}

/** The reports of the chain starts that included `name`, newest first; `unknown_service` unless
 *  it is a service now (a removed service's chain starts stay in the others' histories). */
export function history(engine: MockEngine, name: string, limit: number | null): ExecutionReport[] {
  engine.service(name);
  const mine = engine.reports.filter((r) => r.services.some((s) => s.name === name));
  return mine.slice(0, Math.max(0, limit ?? DEFAULT_HISTORY_LIMIT));
}
