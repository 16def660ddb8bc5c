//! An edge's route as elk's orthogonal router computes it (a section's start point, bend points
//! and end point), as the points of a polyline, its SVG path and where its label goes.

import type { ElkEdgeSection } from "elkjs/lib/elk-api";

export interface Point {
  x: number;
  y: number;
}

/** Two decimals are plenty for a path drawn in screen pixels. */
const num = (v: number) => String(Math.round(v * 100) / 100);

const same = (a: Point, b: Point) => a.x === b.x && a.y === b.y;

/**
 * The points of an edge routed by elk: each section's start point, bend points and end point, in
 * order, without a point repeated where one section ends and the next starts. `undefined` when
 * elk gave no route (no sections).
 */
export function routeOf(sections: ElkEdgeSection[] | undefined): Point[] | undefined {
  const points: Point[] = [];
  for (const s of sections ?? []) {
    for (const p of [s.startPoint, ...(s.bendPoints ?? []), s.endPoint]) {
      if (points.length === 0 || !same(points[points.length - 1], p)) points.push({ x: p.x, y: p.y });
    }
  }
  return points.length >= 2 ? points : undefined;
}

/** The SVG path of a polyline: `M x y L x y …` (at least two points). */
export function routePath(points: Point[]): string {
  return points.map((p, i) => `${i === 0 ? "M" : "L"} ${num(p.x)} ${num(p.y)}`).join(" ");
}

/**
 * Where a route's label goes: the middle of its middle segment. elk, laying out left to right,
 * puts a route's bends next to the dependency's node, so the segment in the middle of a
 * `─┐ └─` route is the short vertical jog beside that node; the label goes instead on the
 * horizontal run that crosses the gap between the layers, the longest horizontal segment (the
 * one nearest the route's middle when two are as long). A route with no horizontal segment uses
 * its middle segment.
 */
export function routeLabel(points: Point[]): Point {
  const segments = points.slice(1).map((end, i) => ({ start: points[i], end, index: i }));
  if (segments.length === 0) return { ...points[0] };
  const middle = (segments.length - 1) / 2;
  const horizontal = segments.filter((s) => s.start.y === s.end.y && s.start.x !== s.end.x);
  const length = (s: (typeof segments)[number]) => Math.abs(s.end.x - s.start.x) + Math.abs(s.end.y - s.start.y);
  const chosen = horizontal.length > 0
    ? horizontal.reduce((best, s) => {
      const d = length(s) - length(best);
      return d > 0 || (d === 0 && Math.abs(s.index - middle) < Math.abs(best.index - middle)) ? s : best;
    })
    : segments[Math.floor(middle)];
  return { x: (chosen.start.x + chosen.end.x) / 2, y: (chosen.start.y + chosen.end.y) / 2 };
}
