//! The dependency graph editor: services as nodes coloured by live state, dependencies as edges
//! labelled with their condition (dashed when optional), laid out by elk and drawn along the
//! orthogonal routes it computes around the nodes (`RoutedEdge`). Drag between handles to add a
//! dependency, or from the keyboard: focus a node, C, arrows or Tab to the service that depends
//! on it, Enter (`useKeyboardConnect`); select an edge to edit its options in the side panel, or
//! press Delete to remove it. The engine validates each change; a refusal (a cycle, with its path)
//! shows above.

import {
  Background, Controls, ReactFlow, useNodesInitialized, useReactFlow, type Connection, type OnBeforeDelete,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect, useMemo, useRef } from "react";
import { DependencyForm } from "./DependencyForm";
import { EdgePanel } from "./EdgePanel";
import { markConnecting } from "./keyboardConnect";
import type { DependencyEdgeType, ServiceNodeType } from "./model";
import { RoutedEdge } from "./RoutedEdge";
import { ServiceNode } from "./ServiceNode";
import { useGraph } from "./useGraph";
import { useKeyboardConnect } from "./useKeyboardConnect";

const NODE_TYPES = { service: ServiceNode };
const EDGE_TYPES = { routed: RoutedEdge };
// What a screen reader says of a focused node (React Flow's key for it, with keyboard a11y on).
const ARIA_LABELS = {
  "node.a11yDescription.keyboardDisabled":
    "Press C to connect this service to one that depends on it: arrow keys or Tab choose that service, Enter confirms, " +
    "Escape cancels. Press Enter or Space to select the node; arrow keys then move it.",
};
const FIT = { maxZoom: 1 };

/** Fits the whole graph in view again whenever the layout changes (a service added or removed,
 *  an edge that re-layers the graph), so no service lands outside the visible canvas. */
function FitOnLayout({ layout }: { layout: string }) {
  const { fitView } = useReactFlow();
  const initialized = useNodesInitialized();
  useEffect(() => {
    if (initialized) void fitView(FIT);
  }, [layout, initialized, fitView]);
  return null;
}

export function GraphView() {
  const graph = useGraph();
  const { connect, removeEdges } = graph;
  const canvas = useRef<HTMLDivElement>(null);
  const keyboard = useKeyboardConnect({
    nodes: graph.nodes, edges: graph.edges, connect: graph.connectOrRefusal, canvas,
  });
  const nodes = useMemo(() => markConnecting(graph.nodes, keyboard.connecting), [graph.nodes, keyboard.connecting]);

  const onConnect = useCallback((c: Connection) => {
    if (c.source && c.target) void connect(c.source, c.target);
  }, [connect]);

  // The engine decides: nothing is removed locally; an edge goes when the engine says it went.
  const onBeforeDelete: OnBeforeDelete<ServiceNodeType, DependencyEdgeType> = useCallback(async ({ edges }) => {
    if (edges.length > 0) await removeEdges(edges);
    return false;
  }, [removeEdges]);

  return (
    <section aria-labelledby="graph-title" className="view graph-view">
      <div className="view-header">
        <h2 id="graph-title">Dependency graph</h2>
        <p className="hint">
          Drag from a service's right handle to the service that needs it, or from the keyboard: Tab to the service, press C,
          choose the service that needs it with the arrow keys or Tab, and press Enter (Escape cancels). Select an edge to
          edit it, or press Delete to remove it.
        </p>
      </div>
      <DependencyForm names={graph.nodes.map((n) => n.id)} onConnect={connect} />
      {graph.error && (
        <div role="alert" className="error banner">
          <span>{graph.error}</span>
          <button type="button" onClick={graph.dismissError}>Dismiss</button>
        </div>
      )}
      <p role="status" id="graph-connect-status" className="connect-status">{keyboard.message}</p>
      <div className="graph-body">
        <div
          ref={canvas}
          className={`graph-canvas${keyboard.connecting ? " connecting" : ""}`}
          aria-label="Dependency graph editor"
          onKeyDownCapture={keyboard.onKeyDownCapture}
          onBlur={keyboard.onBlur}
        >
          <ReactFlow
            nodes={nodes}
            edges={graph.edges}
            nodeTypes={NODE_TYPES}
            edgeTypes={EDGE_TYPES}
            ariaLabelConfig={ARIA_LABELS}
            onNodesChange={graph.onNodesChange}
            onEdgesChange={graph.onEdgesChange}
            onConnect={onConnect}
            onBeforeDelete={onBeforeDelete}
            deleteKeyCode={["Delete", "Backspace"]}
            edgesFocusable
            fitView
            fitViewOptions={FIT}
            colorMode="system"
          >
            <FitOnLayout layout={graph.nodes.map((n) => `${n.id}@${n.position.x},${n.position.y}`).join(" ")} />
            <Background />
            <Controls />
          </ReactFlow>
        </div>
        <EdgePanel edges={graph.edges} onSelect={graph.selectEdge} onSave={graph.updateEdge} />
      </div>
      {graph.loaded && graph.nodes.length === 0 && <p className="empty">No services yet: add some in the Services view.</p>}
    </section>
  );
}
