//! `add_dependency` and `remove_dependency` in the mock engine: the engine's condition rules and
//! its cycle refusal, with the path in the message (`web -> api -> web`).

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
    fail("invalid_argument", `condition \`healthy\` needs a health check on \`${dependency.name}\`, which has none: add --health to it, or use --condition started`);
  }
  if (condition === "log_ready" && dependency.health?.kind !== "log") {
    fail("invalid_argument", `condition \`log\` needs a \`log:REGEX\` health check on \`${dependency.name}\``);
  }
  return { ...spec, condition };
}

export function addDependency(engine: MockEngine, spec: DependencySpec): Response {
  const edge = resolveEdge(engine, spec);
  const others = engine.edges.filter((e) => !(e.service === edge.service && e.depends_on === edge.depends_on));
  const cycle = wouldCloseCycle(others, edge.service, edge.depends_on);
  if (cycle) fail("dependency_cycle", `dependency cycle: ${cycle.join(" -> ")}`);
  const old = engine.edges.find((e) => e.service === edge.service && e.depends_on === edge.depends_on);
  const change = !old ? "created" : JSON.stringify(old) === JSON.stringify(edge) ? "unchanged" : "updated";
  engine.edges = [...others, edge];
  return { type: "dependency", data: { edge, change } };
}

export function removeDependency(engine: MockEngine, service: string, dependsOn: string): Response {
  engine.service(service);
  engine.service(dependsOn);
  if (!engine.edges.some((e) => e.service === service && e.depends_on === dependsOn)) {
    fail("unknown_dependency", `\`${service}\` does not depend on \`${dependsOn}\``);
  }
  engine.edges = engine.edges.filter((e) => !(e.service === service && e.depends_on === dependsOn));
  return { type: "done" };
}
