//! Graph questions the mock engine answers over its edge list: would an edge close a cycle (and
//! through which path), and in which order a chain starts.

import type { DependencySpec } from "../types/DependencySpec";

type Edge = Pick<DependencySpec, "service" | "depends_on">;

/** What `name` depends on directly, in insertion order. */
function dependenciesOf(edges: Edge[], name: string): string[] {
  return edges.filter((e) => e.service === name).map((e) => e.depends_on);
}

/**
 * The cycle that adding `service -> dependsOn` would close, as a path closed on itself and
 * starting at `service` (`["web", "api", "web"]`), or null.
 */
export function wouldCloseCycle(edges: Edge[], service: string, dependsOn: string): string[] | null {
  if (service === dependsOn) return [service, dependsOn];
  const seen = new Set<string>();
  const walk = (node: string): string[] | null => {
    if (node === service) return [node];
    if (seen.has(node)) return null;
    seen.add(node);
    for (const next of dependenciesOf(edges, node)) {
      const rest = walk(next);
      if (rest) return [node, ...rest];
    }
    return null;
  };
  const path = walk(dependsOn);
  return path ? [service, ...path] : null;
}

/** Every service the roots need, dependencies before their dependents. */
export function chainOrder(edges: Edge[], roots: string[]): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dep of dependenciesOf(edges, name)) visit(dep);
    order.push(name);
  };
  roots.forEach(visit);
  return order;
}

/** Longest-path depth of each service among `names` (0 = no dependencies among them). */
export function levels(edges: Edge[], names: string[]): Map<string, number> {
  const depth = new Map<string, number>();
  for (const name of names) {
    const deps = dependenciesOf(edges, name).filter((d) => names.includes(d));
    depth.set(name, deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => depth.get(d) ?? 0)));
  }
  return depth;
}
