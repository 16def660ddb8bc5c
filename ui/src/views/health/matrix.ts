//! The health matrix's data: services (rows) against the services they depend on (columns), each
//! edge's cell saying the dependency's live state and whether the dependent's condition holds. A
//! dependency that `completed` (exited 0 by itself, a one-shot) is satisfied and done: `completed ✓`
//! in its own colour; `stopped` stays what was stopped by request or never ran.

import { conditionLabel } from "../../api/stackEdges";
import type { Condition } from "../../api/types/Condition";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { ServiceState } from "../../api/types/ServiceState";
import type { ServiceStatus } from "../../api/types/ServiceStatus";

/** How a cell is coloured; its text always says the same. `done`: met by a dependency that completed. */
export type CellTone = "ok" | "done" | "waiting" | "idle" | "failed";

/** One edge as its dependent sees it. */
export interface HealthCell {
  /** The dependency's state. */
  state: ServiceState;
  condition: Condition;
  satisfied: boolean;
  optional: boolean;
  /** `ready ✓`, `completed ✓`, `starting – waiting for healthy`, `failed ✗`. */
  text: string;
  tone: CellTone;
}

/** The rows, the columns, and a cell where a row depends on a column. */
export interface HealthMatrix {
  rows: string[];
  columns: string[];
  cell: (service: string, dependsOn: string) => HealthCell | undefined;
}

type Live = Pick<ServiceStatus, "state" | "last_exit">;

const STOPPED: Live = { state: "stopped", last_exit: null };

/**
 * Whether a dependency in `status` meets `condition`: `started` once it is starting or ready,
 * `healthy` and `log_ready` when ready, `completed_successfully` once it completed (exited 0 by
 * itself; a service stopped by request did not, whatever its last exit code). A completed
 * dependency meets every condition: it was ready before it exited 0, which the engine's chain
 * counts as met for `started`, `healthy` and `log` too.
 */
export function conditionMet(condition: Condition, status: Live): boolean {
  if (status.state === "completed") return true;
  switch (condition) {
    case "started":
      return status.state === "starting" || status.state === "ready";
    case "healthy":
    case "log_ready":
      return status.state === "ready";
    case "completed_successfully":
      return false;
  }
}

/** How the previous process ended, for a dependency that had to complete: `exit 1`, `signal 15`. */
function exitText(status: Live): string | null {
  const exit = status.last_exit;
  if (!exit || exit.code === 0) return null;
  return exit.code !== null ? `exit ${exit.code}` : `signal ${exit.signal ?? "?"}`;
}

/** What a cell says and its colour when the condition does not hold, by the dependency's state
 *  (one case per state: a new state fails the type check here until it is handled). */
function unmet(status: Live, condition: Condition): [string, CellTone] {
  const waiting = `${status.state} – waiting for ${conditionLabel(condition)}`;
  switch (status.state) {
    case "failed":
      return ["failed ✗", "failed"];
    case "stopped": {
      const exit = condition === "completed_successfully" ? exitText(status) : null;
      return exit ? [`stopped ✗ ${exit}`, "failed"] : [waiting, "idle"];
    }
    case "starting":
    case "ready":
    case "stopping":
      return [waiting, "waiting"];
    case "completed":
      // Not reached: a completed dependency meets every condition (`conditionMet`).
      return ["completed ✓", "done"];
  }
}

/** The cell of one edge, its dependency in `status` (a service with no status counts as stopped). */
export function healthCell(edge: DependencySpec, status: Live = STOPPED): HealthCell {
  const condition = edge.condition ?? "started";
  const satisfied = conditionMet(condition, status);
  const { state } = status;
  const [text, tone]: [string, CellTone] = satisfied
    ? [`${state} ✓`, state === "completed" ? "done" : "ok"]
    : unmet(status, condition);
  return { state, condition, satisfied, optional: !edge.required, text, tone };
}

/** Every service as a row (by name), every service something depends on as a column. */
export function healthMatrix(services: string[], edges: DependencySpec[], statuses: ServiceStatus[]): HealthMatrix {
  const live = new Map(statuses.map((s) => [s.name, s]));
  const byPair = new Map(edges.map((e) => [`${e.service}\n${e.depends_on}`, e]));
  const rows = [...new Set([...services, ...statuses.map((s) => s.name)])].sort();
  const columns = [...new Set(edges.map((e) => e.depends_on))].sort();
  const cell = (service: string, dependsOn: string) => {
    const edge = byPair.get(`${service}\n${dependsOn}`);
    return edge && healthCell(edge, live.get(dependsOn));
  };
  return { rows, columns, cell };
}
