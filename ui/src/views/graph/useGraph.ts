//! The graph editor's state: loads the stack and the live states, lays them out, keeps node
//! colours current from events, and sends every edit to the engine before showing it. The edge
//! selection (what the edge editor edits) survives reloads.

import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../../api";
import { useApi } from "../../ApiContext";
import { layoutGraph } from "./layout";
import type { DependencySpec } from "../../api/types/DependencySpec";
import { buildGraph, dependencyFromConnection, type DependencyEdgeType, type ServiceNodeType } from "./model";

export function useGraph() {
  const api = useApi();
  const [nodes, setNodes] = useState<ServiceNodeType[]>([]);
  const [edges, setEdges] = useState<DependencyEdgeType[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  // Only the latest load may write: an older one finishing late would show a stale graph.
  const generation = useRef(0);
  const known = useRef(new Set<string>());

  const reload = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const [stack, statuses] = await Promise.all([api.exportStack(), api.listServices()]);
      const graph = buildGraph(stack, statuses);
      const placed = await layoutGraph(graph.nodes, graph.edges);
      if (mine !== generation.current) return;
      known.current = new Set(placed.map((n) => n.id));
      setNodes(placed);
      setEdges((old) => {
        const selected = new Set(old.filter((e) => e.selected).map((e) => e.id));
        return graph.edges.map((e) => (selected.has(e.id) ? { ...e, selected: true } : e));
      });
      setLoaded(true);
    } catch (e) {
      if (mine === generation.current) setError(errorMessage(e));
    }
  }, [api]);

  useEffect(() => {
    void reload();
    return api.subscribe((event) => {
      if (event.type !== "ServiceChanged") return;
      const status = event.data;
      // A service this graph has not seen yet (added elsewhere): load it with its edges.
      if (!known.current.has(status.name)) return void reload();
      setNodes((list) => list.map((n) => (n.id === status.name ? { ...n, data: { ...n.data, state: status.state } } : n)));
    });
  }, [api, reload]);

  /** Adds "`target` depends on `source`"; a refusal (a cycle, with its path) goes to the banner. */
  const connect = useCallback(async (source: string, target: string): Promise<boolean> => {
    setError(null);
    try {
      await api.addDependency(dependencyFromConnection(source, target));
      await reload();
      return true;
    } catch (e) {
      setError(errorMessage(e));
      return false;
    }
  }, [api, reload]);

  /** Removes the edges from the engine; the graph shows what the engine then holds. */
  const removeEdges = useCallback(async (removed: DependencyEdgeType[]) => {
    setError(null);
    try {
      for (const e of removed) await api.removeDependency(e.target, e.source);
    } catch (e) {
      setError(errorMessage(e));
    }
    await reload();
  }, [api, reload]);

  /** Upserts an edge's options; rejects with the engine's error, and changes nothing then. */
  const updateEdge = useCallback(async (spec: DependencySpec): Promise<void> => {
    await api.addDependency(spec);
    await reload();
  }, [api, reload]);

  /** Selects one edge (the keyboard way to open the edge editor), or none. */
  const selectEdge = useCallback((id: string | null) => {
    setEdges((list) => list.map((e) => ((e.selected ?? false) === (e.id === id) ? e : { ...e, selected: e.id === id })));
    if (id !== null) setNodes((list) => list.map((n) => (n.selected ? { ...n, selected: false } : n)));
  }, []);

  // Selection and dragging are local; removals go through `removeEdges` only.
  const onNodesChange = useCallback((changes: NodeChange<ServiceNodeType>[]) =>
    setNodes((list) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), list)), []);
  const onEdgesChange = useCallback((changes: EdgeChange<DependencyEdgeType>[]) =>
    setEdges((list) => applyEdgeChanges(changes.filter((c) => c.type !== "remove"), list)), []);

  return {
    nodes, edges, error, loaded, connect, removeEdges, updateEdge, selectEdge, reload, onNodesChange, onEdgesChange,
    dismissError: () => setError(null),
  };
}
