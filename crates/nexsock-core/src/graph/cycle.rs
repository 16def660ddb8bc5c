//! Cycles: finding one with its path, and checking whether a new edge would close one.

use petgraph::{
    algo::{astar, tarjan_scc},
    graph::NodeIndex,
    visit::{EdgeRef, NodeFiltered},
};

use super::DependencyGraph;

impl DependencyGraph {
    /// A cycle of the graph, as a path closed on itself (`["web-api", "cache", "web-api"]`), or
    /// `None` when the graph is acyclic.
    ///
    /// Deterministic: the cycle goes through the earliest-inserted service that lies on any
    /// cycle, and starts there.
    pub fn find_cycle(&self) -> Option<Vec<String>> {
        self.cycle_where(|_| true)
    }

    /// The cycle that adding `service -> depends_on` would close, formatted like
    /// [`Self::find_cycle`] and starting at `service`: when `cache` already depends (transitively)
    /// on `web-api`, adding `web-api -> cache` gives `["web-api", "cache", "web-api"]`.
    ///
    /// A self-edge always closes `[service, service]`; otherwise an unknown name closes nothing.
    /// The returned path is a shortest one.
    pub fn would_close_cycle(&self, service: &str, depends_on: &str) -> Option<Vec<String>> {
        if service == depends_on {
            return Some(vec![service.to_owned(), depends_on.to_owned()]);
        }
        let from = *self.index.get(depends_on)?;
        let to = *self.index.get(service)?;
        let (_, path) = astar(self.inner(), from, |n| n == to, |_| 1u32, |_| 0)?;
        let mut cycle = Vec::with_capacity(path.len() + 1);
        cycle.push(service.to_owned());
        cycle.extend(path.into_iter().map(|n| self.name(n).to_owned()));
        Some(cycle)
    }

    /// A cycle among the nodes `keep` accepts, found like [`Self::find_cycle`].
    ///
    /// Callers pass a set closed under dependencies (or dependents), so a strongly connected
    /// component that touches it lies entirely inside it.
    pub(crate) fn cycle_where(&self, keep: impl Fn(NodeIndex) -> bool) -> Option<Vec<String>> {
        let graph = self.inner();
        let (start, component) = tarjan_scc(graph)
            .into_iter()
            .filter(|scc| scc.len() > 1 || scc.iter().any(|&n| graph.contains_edge(n, n)))
            .filter_map(|scc| scc.iter().copied().filter(|&n| keep(n)).min().map(|first| (first, scc)))
            .min_by_key(|(first, _)| *first)?;
        if graph.contains_edge(start, start) {
            let name = self.name(start).to_owned();
            return Some(vec![name.clone(), name]);
        }
        let mut inside = vec![false; graph.node_count()];
        for n in &component {
            inside[n.index()] = true;
        }
        let next =
            graph.edges(start).filter(|e| inside[e.target().index()]).min_by_key(|e| e.id()).map(|e| e.target())?;
        let within = NodeFiltered::from_fn(graph, |n: NodeIndex| inside[n.index()]);
        let (_, path) = astar(&within, next, |n| n == start, |_| 1u32, |_| 0)?;
        let mut cycle = Vec::with_capacity(path.len() + 1);
        cycle.push(self.name(start).to_owned());
        cycle.extend(path.into_iter().map(|n| self.name(n).to_owned()));
        Some(cycle)
    }
}
