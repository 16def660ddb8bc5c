//! The health matrix's data: services (rows) against the services they depend on (columns), each
//! edge's cell saying the dependency's live state and whether the dependent's condition holds.

import { conditionLabel } from "../../api/stackEdges";
import type { Condition } from "../../api/types/Condition";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { ServiceState } from "../../api/types/ServiceState";
import type { ServiceStatus } from "../../api/types/ServiceStatus";

/** How a cell is coloured; its text always says the same. */
export type CellTone = "ok" | "waiting" | "idle" | "failed";

/** One edge as its dependent sees it. */
export interface HealthCell {
  /** The dependency's state. */
  state: ServiceState;
  condition: Condition;
  satisfied: boolean;
  optional: boolean;
  /** `ready ✓`, `starting – waiting for healthy`, `failed ✗`. */
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
 * `healthy` and `log_ready` when ready, `completed_successfully` once stopped after exit code 0.
 */
export function conditionMet(condition: Condition, status: Live): boolean {
  switch (condition) {
    case "started":
      return status.state === "starting" || status.state === "ready";
    case "healthy":
    case "log_ready":
      return status.state === "ready";
    case "completed_successfully":
      return status.state === "stopped" && status.last_exit?.code === 0;
  }
}

/** How the previous process ended, for a dependency that had to complete: `exit 1`, `signal 15`. */
function exitText(status: Live): string | null {
  const exit = status.last_exit;
  if (!exit || exit.code === 0) return null;
  return exit.code !== null ? `exit ${exit.code}` : `signal ${exit.signal ?? "?"}`;
}

/** The cell of one edge, its dependency in `status` (a service with no status counts as stopped). */
export function healthCell(edge: DependencySpec, status: Live = STOPPED): HealthCell {
  const condition = edge.condition ?? "started";
  const satisfied = conditionMet(condition, status);
  const { state } = status;
  const exit = condition === "completed_successfully" && state === "stopped" ? exitText(status) : null;
  const [text, tone]: [string, CellTone] = satisfied
    ? [`${state} ✓`, "ok"]
    : state === "failed"
      ? ["failed ✗", "failed"]
      : exit
        ? [`stopped ✗ ${exit}`, "failed"]
        : [`${state} – waiting for ${conditionLabel(condition)}`, state === "stopped" ? "idle" : "waiting"];
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
