//! Execution reports made by hand, for the History view's tests.

import type { ExecutionReport } from "../api/types/ExecutionReport";
import type { ServiceTiming } from "../api/types/ServiceTiming";

/** A step: `[name, spawned, ready]` ready, or with a state and reason. */
export function timing(
  name: string,
  spawned_ms: number | null,
  ready_ms: number | null,
  state: ServiceTiming["state"] = ready_ms === null ? "failed" : "ready",
  reason: string | null = null,
): ServiceTiming {
  return { name, state, spawned_ms, ready_ms, reason };
}

/** A completed chain start of `services`, `total_ms` long, started at `id` seconds. */
export function report(id: number, services: ServiceTiming[], extra: Partial<ExecutionReport> = {}): ExecutionReport {
  const failed = services.some((s) => s.state === "failed");
  return {
    id,
    status: failed ? "failed" : "completed",
    strategy: "concurrent",
    roots: [services[services.length - 1]?.name ?? ""],
    started_at_ms: 1_700_000_000_000 + id * 1000,
    total_ms: Math.max(0, ...services.map((s) => s.ready_ms ?? s.spawned_ms ?? 0)),
    services,
    critical_chain: [],
    error: null,
    options: {},
    ...extra,
  };
}
