//! The services and dependency edges as the engine holds them: read once from `export`, then
//! followed through events. `ServiceAdded`/`ServiceUpdated` add a service or change its port,
//! `ServiceRemoved` drops it with every edge to or from it, `DependencyAdded` upserts an edge
//! (condition resolved) and `DependencyRemoved` drops one.

import { dependenciesOf } from "./stackEdges";
import type { DependencySpec } from "./types/DependencySpec";
import type { Event } from "./types/Event";
import type { Stack } from "./types/Stack";

/** What the graph and the health matrix draw. */
export interface Topology {
  /** Every service by name, with what the views show of its configuration. */
  services: Record<string, { port: number | null }>;
  /** Every edge, conditions resolved. */
  edges: DependencySpec[];
}

/** The topology of an exported stack. */
export function topologyOf(stack: Stack): Topology {
  const services = Object.fromEntries(
    Object.entries(stack.services).map(([name, s]) => [name, { port: s.port ?? null }]),
  );
  return { services, edges: dependenciesOf(stack) };
}

const sameEdge = (a: Pick<DependencySpec, "service" | "depends_on">, service: string, dependsOn: string) =>
  a.service === service && a.depends_on === dependsOn;

/** `t` with the service (added, or its port changed); `t` itself when nothing changes. */
function withService(t: Topology, name: string, port: number | null): Topology {
  if (t.services[name]?.port === port) return t;
  return { ...t, services: { ...t.services, [name]: { port } } };
}

/** `t` without the service and every edge to or from it. */
function withoutService(t: Topology, name: string): Topology {
  if (!(name in t.services) && !t.edges.some((e) => e.service === name || e.depends_on === name)) return t;
  const services = Object.fromEntries(Object.entries(t.services).filter(([n]) => n !== name));
  return { services, edges: t.edges.filter((e) => e.service !== name && e.depends_on !== name) };
}

/** `t` with the edge in place of the stored one, else added at the end. */
function withEdge(t: Topology, edge: DependencySpec): Topology {
  const at = t.edges.findIndex((e) => sameEdge(e, edge.service, edge.depends_on));
  const edges = at < 0 ? [...t.edges, edge] : t.edges.map((e, i) => (i === at ? edge : e));
  return { ...t, edges };
}

/** `t` without the edge `service` depends on `dependsOn`. */
function withoutEdge(t: Topology, service: string, dependsOn: string): Topology {
  if (!t.edges.some((e) => sameEdge(e, service, dependsOn))) return t;
  return { ...t, edges: t.edges.filter((e) => !sameEdge(e, service, dependsOn)) };
}

/** The topology after `event`; `t` itself when the event does not change it. */
export function followTopology(t: Topology, event: Event): Topology {
  switch (event.type) {
    case "ServiceAdded":
    case "ServiceUpdated":
      return withService(t, event.data.spec.name, event.data.spec.port);
    case "ServiceRemoved":
      return withoutService(t, event.data.name);
    case "DependencyAdded":
      return withEdge(t, event.data.edge);
    case "DependencyRemoved":
      return withoutEdge(t, event.data.service, event.data.depends_on);
    default:
      return t;
  }
}
