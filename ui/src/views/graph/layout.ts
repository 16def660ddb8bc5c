//! Automatic layered layout with elkjs: dependencies before dependents, left to right, and each
//! edge routed orthogonally around the nodes (drawn by `RoutedEdge`).

import type { ELK as ElkInstance, ElkNode } from "elkjs/lib/elk-api";
import type { DependencyEdgeType, ServiceNodeType } from "./model";
import { routeOf } from "./route";

/** A node's box as laid out; the node component is drawn at this size. */
export const NODE_WIDTH = 160;
export const NODE_HEIGHT = 56;

// elk is large (about 1.5 MB): loaded on first layout, in its own chunk, so the window opens fast.
let elk: Promise<ElkInstance> | null = null;
function loadElk(): Promise<ElkInstance> {
  elk ??= import("elkjs/lib/elk.bundled.js").then(({ default: ELK }) => new ELK());
  return elk;
}

const OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  // Room between layers for an edge's label (`completed · optional`).
  "elk.layered.spacing.nodeNodeBetweenLayers": "150",
  "elk.spacing.nodeNode": "32",
  // Edges as horizontal and vertical runs between the nodes, never across one.
  "elk.edgeRouting": "ORTHOGONAL",
};

/**
 * The nodes with positions from elk's layered algorithm, and the edges with the route elk drew
 * for each (`data.route`, in the nodes' coordinates; absent if elk gave none).
 */
export async function layoutGraphRouted(
  nodes: ServiceNodeType[], edges: DependencyEdgeType[],
): Promise<{ nodes: ServiceNodeType[]; edges: DependencyEdgeType[] }> {
  const graph: ElkNode = {
    id: "root",
    layoutOptions: OPTIONS,
    children: nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const result = await (await loadElk()).layout(graph);
  const at = new Map((result.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
  const routes = new Map((result.edges ?? []).map((e) => [e.id, routeOf(e.sections)]));
  return {
    nodes: nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position })),
    edges: edges.map((e) => {
      const route = routes.get(e.id);
      return route && e.data ? { ...e, data: { ...e.data, route } } : e;
    }),
  };
}

/** The nodes with positions from elk's layered algorithm. */
export async function layoutGraph(nodes: ServiceNodeType[], edges: DependencyEdgeType[]): Promise<ServiceNodeType[]> {
  return (await layoutGraphRouted(nodes, edges)).nodes;
}
