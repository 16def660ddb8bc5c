//! Orders over the graph: topological order, levels, the sub-graph a root needs, and the order in
//! which dependents must stop.

use std::collections::HashMap;

use petgraph::{
    Direction,
    graph::NodeIndex,
    visit::{DfsPostOrder, IntoNeighbors, Reversed, VisitMap, Visitable},
};

use super::{DependencyGraph, GraphError};

/// A set of services closed under "depends on", in topological order (dependencies first).
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// The services, dependencies before their dependents.
    pub(crate) order: Vec<NodeIndex>,
    /// Each node's position in `order` ([`Scope::OUT`] when outside), indexed by node index.
    pub(crate) position: Vec<u32>,
}

impl Scope {
    /// The position of a node outside the scope.
    pub(crate) const OUT: u32 = u32::MAX;

    /// Whether the node is in the scope.
    pub(crate) fn contains(&self, node: NodeIndex) -> bool {
        self.position[node.index()] != Self::OUT
    }
}

impl DependencyGraph {
    /// Every service, dependencies before their dependents.
    ///
    /// Deterministic: a depth-first post-order that visits services and their dependencies in
    /// insertion order. Errors: [`GraphError::Cycle`] naming a cycle.
    pub fn topological_order(&self) -> Result<Vec<String>, GraphError> {
        Ok(self.names(&self.scope_all()?.order))
    }

    /// The services grouped by longest-path depth: level 0 holds the services without
    /// dependencies, and a service's level is one more than the highest level of its dependencies.
    /// Within a level, services follow [`Self::topological_order`].
    ///
    /// Errors: [`GraphError::Cycle`] naming a cycle.
    pub fn levels(&self) -> Result<Vec<Vec<String>>, GraphError> {
        let scope = self.scope_all()?;
        let depths = self.depths(&scope);
        let mut levels: Vec<Vec<String>> = Vec::new();
        for &node in &scope.order {
            let level = depths[node.index()] as usize;
            if levels.len() <= level {
                levels.resize_with(level + 1, Vec::new);
            }
            levels[level].push(self.name(node).to_owned());
        }
        Ok(levels)
    }

    /// The sub-graph `root` needs: it and everything it depends on, transitively, with the edges
    /// between them. See [`Self::subgraph_for_many`].
    pub fn subgraph_for(&self, root: &str) -> Result<DependencyGraph, GraphError> {
        self.subgraph_for_many(&[root])
    }

    /// The union of what each root needs: the roots and everything they depend on, transitively,
    /// with the edges between them, in the original insertion order. Cycles are kept, not refused.
    ///
    /// Errors: [`GraphError::UnknownService`] for an unknown root.
    pub fn subgraph_for_many<S: AsRef<str>>(&self, roots: &[S]) -> Result<DependencyGraph, GraphError> {
        let starts = self.nodes_of(roots)?;
        let mut keep = vec![false; self.service_count()];
        for node in post_order(self.inner(), starts, self.service_count()) {
            keep[node.index()] = true;
        }
        let graph = self
            .inner()
            .filter_map(|node, name| keep[node.index()].then(|| name.clone()), |_, link| Some(link.clone()));
        let index: HashMap<String, NodeIndex> = graph.node_indices().map(|n| (graph[n].clone(), n)).collect();
        Ok(DependencyGraph { graph, index })
    }

    /// Everything that depends on `name`, transitively, in the order they must stop: every
    /// service before the services it depends on. `name` itself is not included.
    ///
    /// Errors: [`GraphError::UnknownService`]; [`GraphError::Cycle`] when those dependents form
    /// a cycle (no stop order exists then).
    pub fn dependents_of(&self, name: &str) -> Result<Vec<String>, GraphError> {
        let start = self.node(name)?;
        let order = post_order(Reversed(self.inner()), [start], self.service_count());
        let mut scope = self.checked(order, Direction::Incoming)?;
        scope.order.pop(); // `name` itself, finished last.
        Ok(self.names(&scope.order))
    }

    /// The roots and everything they depend on, in topological order.
    ///
    /// Errors: [`GraphError::UnknownService`]; [`GraphError::Cycle`] when that part is cyclic.
    pub(crate) fn scope<S: AsRef<str>>(&self, roots: &[S]) -> Result<Scope, GraphError> {
        let starts = self.nodes_of(roots)?;
        self.checked(post_order(self.inner(), starts, self.service_count()), Direction::Outgoing)
    }

    /// Every service, in topological order. Errors: [`GraphError::Cycle`].
    pub(crate) fn scope_all(&self) -> Result<Scope, GraphError> {
        self.checked(post_order(self.inner(), self.inner().node_indices(), self.service_count()), Direction::Outgoing)
    }

    /// Each scoped node's level (longest-path depth over its dependencies), indexed by node index;
    /// 0 outside the scope.
    pub(crate) fn depths(&self, scope: &Scope) -> Vec<u32> {
        let mut depths = vec![0u32; self.service_count()];
        for &node in &scope.order {
            let depth = self.inner().neighbors(node).map(|dep| depths[dep.index()] + 1).max().unwrap_or(0);
            depths[node.index()] = depth;
        }
        depths
    }

    fn nodes_of<S: AsRef<str>>(&self, names: &[S]) -> Result<Vec<NodeIndex>, GraphError> {
        names.iter().map(|name| self.node(name.as_ref())).collect()
    }

    /// Turns a post-order over `dir` edges into a [`Scope`], refusing it when some `dir`
    /// neighbour comes after its node, which happens exactly when the visited part is cyclic.
    fn checked(&self, order: Vec<NodeIndex>, dir: Direction) -> Result<Scope, GraphError> {
        let mut position = vec![Scope::OUT; self.service_count()];
        for (i, node) in order.iter().enumerate() {
            // petgraph's default index type is u32, so a position always fits.
            position[node.index()] = i as u32;
        }
        for (i, &node) in order.iter().enumerate() {
            if self.inner().neighbors_directed(node, dir).any(|other| position[other.index()] >= i as u32) {
                let cycle = self
                    .cycle_where(|n| position[n.index()] != Scope::OUT)
                    .unwrap_or_else(|| vec![self.name(node).to_owned()]);
                return Err(GraphError::Cycle(cycle));
            }
        }
        Ok(Scope { order, position })
    }
}

/// Depth-first post-order from each start in turn (skipping what an earlier start reached):
/// every node comes after the nodes its edges lead to, unless a cycle prevents it. `capacity`
/// bounds the result's length (the node count) and saves regrowing it.
fn post_order<G>(graph: G, starts: impl IntoIterator<Item = NodeIndex>, capacity: usize) -> Vec<NodeIndex>
where
    G: IntoNeighbors<NodeId = NodeIndex> + Visitable<NodeId = NodeIndex>,
{
    let mut dfs = DfsPostOrder::empty(graph);
    let mut order = Vec::with_capacity(capacity);
    for start in starts {
        if dfs.finished.is_visited(&start) {
            continue;
        }
        dfs.move_to(start);
        while let Some(node) = dfs.next(graph) {
            order.push(node);
        }
    }
    order
}
