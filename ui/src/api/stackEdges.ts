//! The dependency edges of an exported stack as contract `DependencySpec`s, conditions resolved.
//! `export` writes edges the way a stack file does (`completed`, `optional`, `tunnel`); the views
//! edit and show them as the `add_dependency` request takes them.

import type { Condition } from "./types/Condition";
import type { DependencySpec } from "./types/DependencySpec";
import type { Stack } from "./types/Stack";
import type { StackEdge } from "./types/StackEdge";
import type { TunnelMode } from "./types/TunnelMode";

/** Every condition, in the order the engine documents them. */
export const CONDITIONS: readonly Condition[] = ["started", "healthy", "completed_successfully", "log_ready"];

/** Every tunnel mode. */
export const TUNNEL_MODES: readonly TunnelMode[] = ["none", "optional", "required"];

/** A condition in either spelling (`completed` or `completed_successfully`); null when unknown. */
export function parseCondition(text: string | null | undefined): Condition | null {
  switch (text) {
    case "started":
    case "healthy":
      return text;
    case "completed":
    case "completed_successfully":
      return "completed_successfully";
    case "log":
    case "log_ready":
      return "log_ready";
    default:
      return null;
  }
}

/** How a condition reads in the UI: `started`, `healthy`, `completed`, `log ready`. */
export function conditionLabel(condition: Condition): string {
  return { started: "started", healthy: "healthy", completed_successfully: "completed", log_ready: "log ready" }[condition];
}

/** The options of one edge, whichever of the two forms `depends_on` takes. */
export function stackEdgesOf(stack: Stack, service: string): [string, StackEdge][] {
  const deps = stack.services[service]?.depends_on ?? [];
  return Array.isArray(deps) ? deps.map((d) => [d, {}]) : Object.entries(deps);
}

/** One edge as a spec; an absent condition takes the engine's default rule. */
export function specFromStack(stack: Stack, service: string, dependsOn: string, o: StackEdge): DependencySpec {
  const fallback: Condition = stack.services[dependsOn]?.health ? "healthy" : "started";
  const tunnel = o.tunnel === "optional" || o.tunnel === "required" ? o.tunnel : "none";
  return {
    service, depends_on: dependsOn, condition: parseCondition(o.condition) ?? fallback,
    required: !o.optional, tunnel_mode: tunnel, timeout_secs: o.timeout ?? null,
    health_path: o.health_path ?? null, env_alias: o.env_alias ?? null,
    restart_on_new_url: !o.keep_running_on_new_url,
  };
}

/** Every edge of the stack, dependents in name order. */
export function dependenciesOf(stack: Stack): DependencySpec[] {
  return Object.keys(stack.services).sort().flatMap((service) =>
    stackEdgesOf(stack, service).map(([dependsOn, o]) => specFromStack(stack, service, dependsOn, o)),
  );
}
