//! The dependency graph between services: a pure, in-memory view built on petgraph that answers the
//! ordering questions (cycles, topological order, levels, sub-graphs, stop order, critical path).
//!
//! Edges point from a service to what it depends on (`web-api -> database`), the way users say
//! them, so a cycle path reads like a sentence: `web-api -> cache -> web-api`.

mod critical;
mod cycle;
mod order;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

use nexsock_proto::{Condition, DependencySpec, TunnelMode};
use petgraph::{
    Direction,
    graph::{DiGraph, NodeIndex},
    visit::EdgeRef,
};
use serde::{Deserialize, Serialize};

pub use critical::{DEFAULT_WEIGHT, weight_of};
pub(crate) use order::Scope;

/// One resolved dependency edge: `service` depends on `depends_on`.
///
/// Unlike [`DependencySpec`], the condition is already resolved (the default depends on whether
/// the dependency has a health check, which only the store knows).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// The dependent.
    pub service: String,
    /// The dependency.
    pub depends_on: String,
    /// When the dependency counts as satisfied.
    pub condition: Condition,
    /// A hard dependency: its failure skips the dependent.
    pub required: bool,
    /// Whether a tunnel to the dependency is opened for the dependent.
    pub tunnel_mode: TunnelMode,
    /// Bound on the wait for this dependency, in seconds.
    pub timeout_secs: Option<u64>,
    /// Extra name for the injected tunnel URL variable.
    pub env_alias: Option<String>,
    /// Also wait until GET of this path on the dependency's port answers 2xx or 3xx.
    pub health_path: Option<String>,
}

impl Edge {
    /// A hard edge without tunnel, timeout or alias.
    pub fn new(service: impl Into<String>, depends_on: impl Into<String>, condition: Condition) -> Self {
        Self {
            service: service.into(),
            depends_on: depends_on.into(),
            condition,
            required: true,
            tunnel_mode: TunnelMode::None,
            timeout_secs: None,
            env_alias: None,
            health_path: None,
        }
    }

    /// The same edge, made soft (`--optional`): its failure only warns.
    #[must_use]
    pub fn optional(mut self) -> Self {
        self.required = false;
        self
    }

    /// The same edge, with a tunnel to the dependency.
    #[must_use]
    pub fn with_tunnel(mut self, mode: TunnelMode) -> Self {
        self.tunnel_mode = mode;
        self
    }

    /// Resolves a declared edge; `default_condition` is used when the spec names none.
    pub fn from_spec(spec: &DependencySpec, default_condition: Condition) -> Self {
        Self {
            service: spec.service.clone(),
            depends_on: spec.depends_on.clone(),
            condition: spec.condition.unwrap_or(default_condition),
            required: spec.required,
            tunnel_mode: spec.tunnel_mode,
            timeout_secs: spec.timeout_secs,
            env_alias: spec.env_alias.clone(),
            health_path: spec.health_path.clone(),
        }
    }
}

/// What a graph query can refuse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The graph (or the part the query needs) has a cycle; the path is closed on itself,
    /// e.g. `["web-api", "cache", "web-api"]`.
    #[error("dependency cycle: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// A name that is not a service of the graph.
    #[error("no service named `{0}` in the dependency graph")]
    UnknownService(String),
}

/// An edge's attributes as stored on the petgraph edge; the names live on the nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) condition: Condition,
    pub(crate) required: bool,
    pub(crate) tunnel_mode: TunnelMode,
    pub(crate) timeout_secs: Option<u64>,
    pub(crate) env_alias: Option<String>,
    pub(crate) health_path: Option<String>,
}

/// Services and their dependency edges.
///
/// Invariants: service names are unique; at most one edge per (service, dependency) pair (adding
/// it again replaces its attributes); services and edges keep their insertion order, which makes
/// every answer deterministic. Cycles may be stored (so they can be reported); the queries that
/// need an order refuse them with [`GraphError::Cycle`].
#[derive(Debug, Clone, Default)]
pub struct DependencyGraph {
    graph: DiGraph<String, Link>,
    index: HashMap<String, NodeIndex>,
}

impl DependencyGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a graph from services and edges.
    ///
    /// Errors: [`GraphError::UnknownService`] when an edge names a service not in `services`.
    pub fn from_parts<S: AsRef<str>>(
        services: impl IntoIterator<Item = S>,
        edges: impl IntoIterator<Item = Edge>,
    ) -> Result<Self, GraphError> {
        let mut graph = Self::new();
        for service in services {
            graph.add_service(service.as_ref());
        }
        for edge in edges {
            graph.add_edge(edge)?;
        }
        Ok(graph)
    }

    /// Adds a service; returns `false` when it was already there.
    pub fn add_service(&mut self, name: &str) -> bool {
        if self.index.contains_key(name) {
            return false;
        }
        let node = self.graph.add_node(name.to_owned());
        self.index.insert(name.to_owned(), node);
        true
    }

    /// Adds an edge, or replaces the attributes of the existing edge between the same two services.
    ///
    /// Errors: [`GraphError::UnknownService`] when either end is not a service of the graph.
    /// Cycles are accepted; see [`Self::would_close_cycle`] to refuse them first.
    pub fn add_edge(&mut self, edge: Edge) -> Result<(), GraphError> {
        let from = self.node(&edge.service)?;
        let to = self.node(&edge.depends_on)?;
        let link = Link {
            condition: edge.condition,
            required: edge.required,
            tunnel_mode: edge.tunnel_mode,
            timeout_secs: edge.timeout_secs,
            env_alias: edge.env_alias,
            health_path: edge.health_path,
        };
        self.graph.update_edge(from, to, link);
        Ok(())
    }

    /// Whether `name` is a service of the graph.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// Number of services.
    pub fn service_count(&self) -> usize {
        self.graph.node_count()
    }

    /// Number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// The services, in insertion order.
    pub fn services(&self) -> impl Iterator<Item = &str> + '_ {
        self.graph.node_weights().map(String::as_str)
    }

    /// All edges, in insertion order.
    pub fn edges(&self) -> Vec<Edge> {
        self.graph.edge_references().map(|e| self.edge_at(e.source(), e.target(), e.weight())).collect()
    }

    /// The edge `service -> depends_on`, if declared.
    pub fn edge(&self, service: &str, depends_on: &str) -> Option<Edge> {
        let from = *self.index.get(service)?;
        let to = *self.index.get(depends_on)?;
        let id = self.graph.find_edge(from, to)?;
        Some(self.edge_at(from, to, &self.graph[id]))
    }

    /// The edges from `name` to what it depends on directly, in declaration order.
    ///
    /// Errors: [`GraphError::UnknownService`].
    pub fn direct_dependencies(&self, name: &str) -> Result<Vec<Edge>, GraphError> {
        let node = self.node(name)?;
        Ok(self.links(node, Direction::Outgoing).map(|(dep, link)| self.edge_at(node, dep, link)).collect())
    }

    /// The edges into `name` from the services that depend on it directly, in declaration order.
    ///
    /// Errors: [`GraphError::UnknownService`].
    pub fn direct_dependents(&self, name: &str) -> Result<Vec<Edge>, GraphError> {
        let node = self.node(name)?;
        Ok(self.links(node, Direction::Incoming).map(|(dependent, link)| self.edge_at(dependent, node, link)).collect())
    }

    /// The node of a service.
    pub(crate) fn node(&self, name: &str) -> Result<NodeIndex, GraphError> {
        self.index.get(name).copied().ok_or_else(|| GraphError::UnknownService(name.to_owned()))
    }

    /// The name of a node.
    pub(crate) fn name(&self, node: NodeIndex) -> &str {
        &self.graph[node]
    }

    /// A node's edges in one direction, as (other end, attributes), in declaration order.
    pub(crate) fn links(&self, node: NodeIndex, dir: Direction) -> impl Iterator<Item = (NodeIndex, &Link)> + '_ {
        let mut links: Vec<_> = self.links_newest_first(node, dir).collect();
        links.reverse();
        links.into_iter()
    }

    /// [`Self::links`] in petgraph's own order, newest edge first, without collecting them.
    pub(crate) fn links_newest_first(
        &self,
        node: NodeIndex,
        dir: Direction,
    ) -> impl Iterator<Item = (NodeIndex, &Link)> + '_ {
        self.graph.edges_directed(node, dir).map(move |e| {
            let other = if dir == Direction::Outgoing { e.target() } else { e.source() };
            (other, e.weight())
        })
    }

    /// Whether `service` depends directly on `depends_on`.
    pub(crate) fn depends_directly(&self, service: NodeIndex, depends_on: NodeIndex) -> bool {
        self.graph.contains_edge(service, depends_on)
    }

    /// The petgraph graph, for the algorithms in the sibling modules.
    fn inner(&self) -> &DiGraph<String, Link> {
        &self.graph
    }

    fn edge_at(&self, from: NodeIndex, to: NodeIndex, link: &Link) -> Edge {
        Edge {
            service: self.graph[from].clone(),
            depends_on: self.graph[to].clone(),
            condition: link.condition,
            required: link.required,
            tunnel_mode: link.tunnel_mode,
            timeout_secs: link.timeout_secs,
            env_alias: link.env_alias.clone(),
            health_path: link.health_path.clone(),
        }
    }

    /// Names of nodes, in the given order.
    fn names(&self, nodes: &[NodeIndex]) -> Vec<String> {
        nodes.iter().map(|&n| self.graph[n].clone()).collect()
    }
}
