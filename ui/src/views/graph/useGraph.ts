//! The graph editor's state: the live topology (services and edges, followed through the engine's
//! events) laid out by elk whenever a service or an edge comes or goes, nodes coloured by the live
//! states. Every edit goes to the engine; the graph shows it once the engine's event says it
//! happened, like a change made from the CLI. The edge selection (what the edge editor edits)
//! survives re-layouts. Each edge carries the route elk drew for it until one of its nodes is
//! moved by hand (then it is drawn as a step path until the next layout).

import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { errorMessage } from "../../api";
import type { DependencySpec } from "../../api/types/DependencySpec";
import type { ServiceStatus } from "../../api/types/ServiceStatus";
import { useApi } from "../../ApiContext";
import { useServices } from "../../hooks/useServices";
import { useTopology } from "../../hooks/useTopology";
import { layoutGraphRouted } from "./layout";
import {
  buildGraph, dependencyFromConnection, layoutKey, type DependencyEdgeType, type ServiceNodeType,
} from "./model";

/** The nodes with each one's live state; the same objects where nothing changed. */
function recolour(nodes: ServiceNodeType[], statuses: ServiceStatus[]): ServiceNodeType[] {
  const stateOf = new Map(statuses.map((s) => [s.name, s.state]));
  return nodes.map((n) => {
    const state = stateOf.get(n.id) ?? "stopped";
    return state === n.data.state ? n : { ...n, data: { ...n.data, state } };
  });
}

/** `next` with the selection of `old` kept, edge by edge. */
function keepSelection(old: DependencyEdgeType[], next: DependencyEdgeType[]): DependencyEdgeType[] {
  const selected = new Set(old.filter((e) => e.selected).map((e) => e.id));
  return next.map((e) => (selected.has(e.id) ? { ...e, selected: true } : e));
}

/** `next` with the routes of `old` kept, edge by edge (an option changed: nothing moved). */
function keepRoutes(old: DependencyEdgeType[], next: DependencyEdgeType[]): DependencyEdgeType[] {
  const routes = new Map(old.map((e) => [e.id, e.data?.route]));
  return next.map((e) => {
    const route = routes.get(e.id);
    return route && e.data ? { ...e, data: { ...e.data, route } } : e;
  });
}

/** The edges without the routes of those touching a moved node; the same list if none had one. */
function dropRoutes(edges: DependencyEdgeType[], moved: Set<string>): DependencyEdgeType[] {
  const stale = (e: DependencyEdgeType) => e.data?.route !== undefined && (moved.has(e.source) || moved.has(e.target));
  if (!edges.some(stale)) return edges;
  return edges.map((e) => (stale(e) && e.data ? { ...e, data: { ...e.data, route: undefined } } : e));
}

/** The nodes where they are, with the data (the port) of `next`. */
function keepPositions(old: ServiceNodeType[], next: ServiceNodeType[]): ServiceNodeType[] {
  const data = new Map(next.map((n) => [n.id, n.data]));
  return old.map((n) => ({ ...n, data: { ...n.data, port: data.get(n.id)?.port ?? n.data.port } }));
}

export function useGraph() {
  const api = useApi();
  const { topology, error: loadError } = useTopology();
  const { services: statuses } = useServices();
  const [nodes, setNodes] = useState<ServiceNodeType[]>([]);
  const [edges, setEdges] = useState<DependencyEdgeType[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  // Only the latest layout may write: an older one finishing late would show a stale graph.
  const generation = useRef(0);
  // The layout key of what is shown: a change that keeps it needs no new layout.
  const shown = useRef<string | null>(null);
  const latestStatuses = useRef(statuses);

  useEffect(() => {
    latestStatuses.current = statuses;
    setNodes((list) => recolour(list, statuses));
  }, [statuses]);

  useEffect(() => {
    if (!topology) return;
    const graph = buildGraph(topology, latestStatuses.current);
    const key = layoutKey(topology);
    if (key === shown.current) {
      // Only options or ports changed: everything stays where it is.
      setNodes((list) => keepPositions(list, graph.nodes));
      setEdges((old) => keepSelection(old, keepRoutes(old, graph.edges)));
      return;
    }
    const mine = ++generation.current;
    layoutGraphRouted(graph.nodes, graph.edges).then(
      (placed) => {
        if (mine !== generation.current) return;
        shown.current = key;
        setNodes(recolour(placed.nodes, latestStatuses.current));
        setEdges((old) => keepSelection(old, placed.edges));
        setLoaded(true);
      },
      (e) => {
        if (mine === generation.current) setError(errorMessage(e));
      },
    );
  }, [topology]);

  /** Adds "`target` depends on `source`"; a refusal (a cycle, with its path) goes to the banner,
   *  and is what this resolves to (null once the engine accepted). */
  const connectOrRefusal = useCallback(async (source: string, target: string): Promise<string | null> => {
    setError(null);
    try {
      await api.addDependency(dependencyFromConnection(source, target));
      return null;
    } catch (e) {
      const message = errorMessage(e);
      setError(message);
      return message;
    }
  }, [api]);

  /** Adds "`target` depends on `source`", as `connectOrRefusal`; resolves whether the engine accepted. */
  const connect = useCallback(async (source: string, target: string): Promise<boolean> =>
    (await connectOrRefusal(source, target)) === null, [connectOrRefusal]);

  /** Removes the edges in the engine; the graph drops each on its `DependencyRemoved`. */
  const removeEdges = useCallback(async (removed: DependencyEdgeType[]) => {
    setError(null);
    try {
      for (const e of removed) await api.removeDependency(e.target, e.source);
    } catch (e) {
      setError(errorMessage(e));
    }
  }, [api]);

  /** Upserts an edge's options; rejects with the engine's error, and changes nothing then. */
  const updateEdge = useCallback(async (spec: DependencySpec): Promise<void> => {
    await api.addDependency(spec);
  }, [api]);

  /** Selects one edge (the keyboard way to open the edge editor), or none. */
  const selectEdge = useCallback((id: string | null) => {
    setEdges((list) => list.map((e) => ((e.selected ?? false) === (e.id === id) ? e : { ...e, selected: e.id === id })));
    if (id !== null) setNodes((list) => list.map((n) => (n.selected ? { ...n, selected: false } : n)));
  }, []);

  // Selection and dragging are local; removals go through `removeEdges` only. A node moved by
  // hand leaves elk's routes of its edges behind: those are drawn as step paths from then on.
  const onNodesChange = useCallback((changes: NodeChange<ServiceNodeType>[]) => {
    setNodes((list) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), list));
    const moved = new Set(changes.flatMap((c) => (c.type === "position" && c.position ? [c.id] : [])));
    if (moved.size > 0) setEdges((list) => dropRoutes(list, moved));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<DependencyEdgeType>[]) =>
    setEdges((list) => applyEdgeChanges(changes.filter((c) => c.type !== "remove"), list)), []);

  return {
    nodes, edges, error: error ?? loadError, loaded, connect, connectOrRefusal, removeEdges, updateEdge, selectEdge, onNodesChange,
    onEdgesChange, dismissError: () => setError(null),
  };
}
