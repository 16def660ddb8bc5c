//! The graph view's data: services become nodes, dependencies edges. An edge points from the
//! dependency to its dependent (`db -> api`), so a left-to-right layout reads in start order.

import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { ServiceState } from "../../api/types/ServiceState";
import type { ServiceStatus } from "../../api/types/ServiceStatus";
import type { Stack } from "../../api/types/Stack";
import { conditionLabel, dependenciesOf } from "../../api/stackEdges";

/** What a service node shows. */
export type ServiceNodeData = { name: string; state: ServiceState; port: number | null };
export type ServiceNodeType = Node<ServiceNodeData, "service">;
/** What a dependency edge carries: the dependent, its dependency, and the whole edge as stored. */
export type DependencyEdgeData = { service: string; dependsOn: string; optional: boolean; spec: DependencySpec };
export type DependencyEdgeType = Edge<DependencyEdgeData>;

/** A stable id for the edge `service` depends on `dependsOn`. */
export function edgeId(service: string, dependsOn: string): string {
  return `${dependsOn}->${service}`;
}

/** Nodes (positions still unset) and edges for the stack, coloured by the live states. */
export function buildGraph(stack: Stack, statuses: ServiceStatus[]): { nodes: ServiceNodeType[]; edges: DependencyEdgeType[] } {
  const stateOf = new Map(statuses.map((s) => [s.name, s]));
  const names = Object.keys(stack.services).sort();
  const nodes: ServiceNodeType[] = names.map((name) => ({
    id: name,
    type: "service",
    position: { x: 0, y: 0 },
    deletable: false,
    data: { name, state: stateOf.get(name)?.state ?? "stopped", port: stack.services[name].port ?? null },
  }));
  const edges: DependencyEdgeType[] = dependenciesOf(stack).map((spec) => {
    const { service, depends_on: dependsOn } = spec;
    const label = edgeLabel(spec);
    return {
      id: edgeId(service, dependsOn),
      source: dependsOn,
      target: service,
      markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
      className: spec.required ? undefined : "optional",
      label,
      ariaLabel: `${service} depends on ${dependsOn}: ${label}`,
      data: { service, dependsOn, optional: !spec.required, spec },
    };
  });
  return { nodes, edges };
}

/** What an edge's label says: its condition, and `optional` for a soft dependency (`healthy · optional`). */
export function edgeLabel(spec: DependencySpec): string {
  const condition = spec.condition ? conditionLabel(spec.condition) : "default";
  return spec.required ? condition : `${condition} · optional`;
}

/** A new hard dependency with the engine's defaults, from a drag from `source` to `target`. */
export function dependencyFromConnection(source: string, target: string): DependencySpec {
  return {
    service: target, depends_on: source, condition: null, required: true, tunnel_mode: "none",
    timeout_secs: null, health_path: null, env_alias: null, restart_on_new_url: true,
  };
}
