//! `add_dependency` and `remove_dependency` in the mock engine: the engine's condition and edge
//! option rules and its cycle refusal, with the path in the message (`web -> api -> web`). A
//! created or changed edge is announced with `DependencyAdded`, a removed one `DependencyRemoved`.

import type { Change } from "../types/Change";
import type { DependencySpec } from "../types/DependencySpec";
import type { Response } from "../types/Response";
import type { MockEngine } from "./engine";
import { wouldCloseCycle } from "./graph";
import { fail, validateName } from "./validate";

/** The edge as the engine stores it: the default condition resolved and checked. */
export function resolveEdge(engine: MockEngine, spec: DependencySpec): DependencySpec {
  validateName(spec.service);
  validateName(spec.depends_on);
  engine.service(spec.service);
  const dependency = engine.service(spec.depends_on).spec;
  const condition = spec.condition ?? (dependency.health ? "healthy" : "started");
  if (condition === "healthy" && !dependency.health) {
    fail("invalid_argument", `condition \`healthy\` needs a health check on \`${dependency.name}\`, which has none: add --health to it, or use --condition started`, "condition");
  }
  if (condition === "log_ready" && dependency.health?.kind !== "log") {
    fail("invalid_argument", `condition \`log\` needs a \`log:REGEX\` health check on \`${dependency.name}\``, "condition");
  }
  validateEdgeOptions(spec);
  return { ...spec, condition };
}

/** The edge's own options, checked in the engine's order: timeout, health path, env alias. */
function validateEdgeOptions(spec: DependencySpec): void {
  if (spec.timeout_secs === 0) fail("invalid_argument", "a dependency timeout must be at least 1 second", "timeout_secs");
  if (spec.health_path !== null && !spec.health_path.startsWith("/")) {
    fail("invalid_argument", `health path \`${spec.health_path}\` must start with \`/\``, "health_path");
  }
  const alias = spec.env_alias;
  if (alias === null) return;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(alias)) {
    fail("invalid_argument", `\`${alias}\` is not a valid environment variable name (letters, digits and \`_\`, not starting with a digit)`, "env_alias");
  }
  if (spec.tunnel_mode === "none") fail("invalid_argument", "--env-alias names a tunnel URL: it needs --tunnel", "env_alias");
}

/** Every option of a stored edge, for comparing two. */
const EDGE_FIELDS: readonly (keyof DependencySpec)[] = [
  "service", "depends_on", "condition", "required", "tunnel_mode", "timeout_secs", "health_path", "env_alias",
  "restart_on_new_url",
];

/** What storing `edge` over `old` (if any) does: `created`, `updated` or `unchanged`. */
export function edgeChange(old: DependencySpec | undefined, edge: DependencySpec): Change {
  if (!old) return "created";
  return EDGE_FIELDS.every((f) => old[f] === edge[f]) ? "unchanged" : "updated";
}

export function addDependency(engine: MockEngine, spec: DependencySpec): Response {
  const edge = resolveEdge(engine, spec);
  const others = engine.edges.filter((e) => !(e.service === edge.service && e.depends_on === edge.depends_on));
  const cycle = wouldCloseCycle(others, edge.service, edge.depends_on);
  if (cycle) fail("dependency_cycle", `dependency cycle: ${cycle.join(" -> ")}`);
  const old = engine.edges.find((e) => e.service === edge.service && e.depends_on === edge.depends_on);
  const change = edgeChange(old, edge);
  engine.edges = [...others, edge];
  if (change !== "unchanged") engine.emit({ type: "DependencyAdded", data: { edge, change } });
  return { type: "dependency", data: { edge, change } };
}

export function removeDependency(engine: MockEngine, service: string, dependsOn: string): Response {
  engine.service(service);
  engine.service(dependsOn);
  if (!engine.edges.some((e) => e.service === service && e.depends_on === dependsOn)) {
    fail("unknown_dependency", `\`${service}\` does not depend on \`${dependsOn}\``);
  }
  engine.edges = engine.edges.filter((e) => !(e.service === service && e.depends_on === dependsOn));
  engine.emit({ type: "DependencyRemoved", data: { service, depends_on: dependsOn } });
  return { type: "done" };
}
