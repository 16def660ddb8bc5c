//! The running execution as the UI follows it: a pure reducer over engine events, so the progress
//! bar and timeline are tested without timing.

import type { Event } from "../../api/types/Event";
import type { ExecutionReport } from "../../api/types/ExecutionReport";
import type { ServiceTiming } from "../../api/types/ServiceTiming";
import type { StepState } from "../../api/types/StepState";

/** One execution: its steps as last reported, and its report once it ended. */
export interface ExecutionView {
  id: number;
  total: number;
  steps: ServiceTiming[];
  report: ExecutionReport | null;
}

/** The execution after `event`; a new execution replaces the previous one. */
export function applyEvent(current: ExecutionView | null, event: Event): ExecutionView | null {
  if (event.type === "Execution") {
    const { execution_id: id, total, service } = event.data;
    const base = current && current.id === id ? current : { id, total, steps: [], report: null };
    const steps = base.steps.some((s) => s.name === service.name)
      ? base.steps.map((s) => (s.name === service.name ? service : s))
      : [...base.steps, service];
    return { ...base, total, steps };
  }
  if (event.type === "ExecutionFinished") {
    const report = event.data;
    return { id: report.id, total: report.services.length, steps: report.services, report };
  }
  return current;
}

const SETTLED: readonly StepState[] = ["ready", "already_ready", "completed", "failed", "skipped"];

/** How many steps have settled (ready, already ready, completed, failed or skipped). */
export function settled(view: ExecutionView): number {
  return view.steps.filter((s) => SETTLED.includes(s.state)).length;
}
