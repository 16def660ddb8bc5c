//! The graph view's data: services become nodes, dependencies edges. An edge points from the
//! dependency to its dependent (`db -> api`), so a left-to-right layout reads in start order.

import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { ServiceState } from "../../api/types/ServiceState";
import type { ServiceStatus } from "../../api/types/ServiceStatus";
import { conditionLabel } from "../../api/stackEdges";
import type { Topology } from "../../api/topology";
import type { Point } from "./route";

/** What a service node shows. */
export type ServiceNodeData = { name: string; state: ServiceState; port: number | null };
export type ServiceNodeType = Node<ServiceNodeData, "service">;
/**
 * What a dependency edge carries: the dependent, its dependency, the whole edge as stored, and the
 * route elk drew for it at the last layout (none until then, or once one of its nodes is moved).
 */
export type DependencyEdgeData = {
  service: string; dependsOn: string; optional: boolean; spec: DependencySpec; route?: Point[];
};
export type DependencyEdgeType = Edge<DependencyEdgeData, "routed">;

/** A stable id for the edge `service` depends on `dependsOn`. */
export function edgeId(service: string, dependsOn: string): string {
  return `${dependsOn}->${service}`;
}

/** Nodes (positions still unset) and edges for the topology, coloured by the live states. */
export function buildGraph(topology: Topology, statuses: ServiceStatus[]): { nodes: ServiceNodeType[]; edges: DependencyEdgeType[] } {
  const stateOf = new Map(statuses.map((s) => [s.name, s]));
  const names = Object.keys(topology.services).sort();
  const nodes: ServiceNodeType[] = names.map((name) => ({
    id: name,
    type: "service",
    position: { x: 0, y: 0 },
    deletable: false,
    data: { name, state: stateOf.get(name)?.state ?? "stopped", port: topology.services[name].port },
  }));
  return { nodes, edges: topology.edges.map(dependencyEdge) };
}

/** One dependency as an edge from the dependency to its dependent. */
export function dependencyEdge(spec: DependencySpec): DependencyEdgeType {
  const { service, depends_on: dependsOn } = spec;
  const label = edgeLabel(spec);
  return {
    id: edgeId(service, dependsOn),
    type: "routed",
    source: dependsOn,
    target: service,
    markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 },
    className: spec.required ? undefined : "optional",
    label,
    ariaLabel: `${service} depends on ${dependsOn}: ${label}`,
    data: { service, dependsOn, optional: !spec.required, spec },
  };
}

/** What the layout depends on: the services and which edges join them (not the edges' options). */
export function layoutKey(topology: Topology): string {
  const names = Object.keys(topology.services).sort();
  const edges = topology.edges.map((e) => edgeId(e.service, e.depends_on)).sort();
  return JSON.stringify([names, edges]);
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
