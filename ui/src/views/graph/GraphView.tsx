//! The dependency graph editor: services as nodes coloured by live state, dependencies as edges
//! labelled with their condition (dashed when optional), laid out by elk. Drag between handles to
//! add a dependency; select an edge to edit its options in the side panel, or press Delete to
//! remove it. The engine validates each change; a refusal (a cycle, with its path) shows above.

import {
  Background, Controls, ReactFlow, useNodesInitialized, useReactFlow, type Connection, type OnBeforeDelete,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useCallback, useEffect } from "react";
import { DependencyForm } from "./DependencyForm";
import { EdgePanel } from "./EdgePanel";
import type { DependencyEdgeType, ServiceNodeType } from "./model";
import { ServiceNode } from "./ServiceNode";
import { useGraph } from "./useGraph";

const NODE_TYPES = { service: ServiceNode };
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
          Drag from a service's right handle to the service that needs it. Select an edge to edit it, or press Delete to remove it.
        </p>
      </div>
      <DependencyForm names={graph.nodes.map((n) => n.id)} onConnect={connect} />
      {graph.error && (
        <div role="alert" className="error banner">
          <span>{graph.error}</span>
          <button type="button" onClick={graph.dismissError}>Dismiss</button>
        </div>
      )}
      <div className="graph-body">
        <div className="graph-canvas" aria-label="Dependency graph editor">
          <ReactFlow
            nodes={graph.nodes}
            edges={graph.edges}
            nodeTypes={NODE_TYPES}
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
