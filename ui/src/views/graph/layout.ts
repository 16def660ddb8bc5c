//! Automatic layered layout with elkjs: dependencies before dependents, left to right.

import type { ELK as ElkInstance } from "elkjs/lib/elk-api";
import type { DependencyEdgeType, ServiceNodeType } from "./model";

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
};

/** The nodes with positions from elk's layered algorithm. */
export async function layoutGraph(nodes: ServiceNodeType[], edges: DependencyEdgeType[]): Promise<ServiceNodeType[]> {
  const result = await (await loadElk()).layout({
    id: "root",
    layoutOptions: OPTIONS,
    children: nodes.map((n) => ({ id: n.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const at = new Map((result.children ?? []).map((c) => [c.id, { x: c.x ?? 0, y: c.y ?? 0 }]));
  return nodes.map((n) => ({ ...n, position: at.get(n.id) ?? n.position }));
}
