//! A dependency edge drawn along the route elk computed at the last layout: an orthogonal polyline
//! that goes around the nodes, labelled on its run between the layers. Without a route (a node was
//! moved by hand since, or elk gave none) it is a plain step path between the handles. The path
//! says which it is in `data-route` (`elk` or `step`). Selection, focus, Delete, the dashes of an
//! optional edge (its `optional` class) and the arrow are React Flow's, as for any edge.

import { BaseEdge, getSmoothStepPath, type EdgeProps } from "@xyflow/react";
import type { DependencyEdgeType } from "./model";
import { routeLabel, routePath } from "./route";

export function RoutedEdge({
  id, data, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, label, labelStyle, labelShowBg,
  labelBgStyle, labelBgPadding, labelBgBorderRadius, markerEnd, markerStart, style, interactionWidth,
}: EdgeProps<DependencyEdgeType>) {
  const route = data?.route;
  let path: string;
  let at: { x: number; y: number };
  if (route && route.length >= 2) {
    path = routePath(route);
    at = routeLabel(route);
  } else {
    const [step, x, y] = getSmoothStepPath({
      sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition, borderRadius: 0,
    });
    path = step;
    at = { x, y };
  }
  return (
    <BaseEdge
      id={id}
      path={path}
      data-route={route && route.length >= 2 ? "elk" : "step"}
      labelX={at.x}
      labelY={at.y}
      label={label}
      labelStyle={labelStyle}
      labelShowBg={labelShowBg}
      labelBgStyle={labelBgStyle}
      labelBgPadding={labelBgPadding}
      labelBgBorderRadius={labelBgBorderRadius}
      markerEnd={markerEnd}
      markerStart={markerStart}
      style={style}
      interactionWidth={interactionWidth}
    />
  );
}
