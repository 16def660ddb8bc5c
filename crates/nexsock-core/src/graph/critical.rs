//! Weighted longest paths: the critical path of the whole graph, and each service's remaining path
//! for the `critical-path` strategy.

use std::{collections::HashMap, time::Duration};

use petgraph::{Direction, graph::NodeIndex};

use super::{DependencyGraph, GraphError, Scope};

/// The weight of a service without a recorded duration. Every such service weighs the same, so
/// with no history at all the critical path is the longest chain by count.
pub const DEFAULT_WEIGHT: Duration = Duration::from_secs(1);

/// A service's recorded duration (spawn to ready), or [`DEFAULT_WEIGHT`].
pub fn weight_of(durations: &HashMap<String, Duration>, service: &str) -> Duration {
    durations.get(service).copied().unwrap_or(DEFAULT_WEIGHT)
}

impl DependencyGraph {
    /// The chain that bounds the makespan when every service starts as soon as its dependencies
    /// are ready: from a service without dependencies to the service that finishes last, with the
    /// sum of their durations. Missing durations weigh [`DEFAULT_WEIGHT`].
    ///
    /// Ties go to the service first in [`Self::topological_order`]; an empty graph gives an
    /// empty chain and zero. Errors: [`GraphError::Cycle`].
    pub fn critical_path(&self, durations: &HashMap<String, Duration>) -> Result<(Vec<String>, Duration), GraphError> {
        let scope = self.scope_all()?;
        let weights = self.weights(&scope, durations);
        let count = self.service_count();
        let mut finish = vec![Duration::ZERO; count];
        let mut via: Vec<Option<NodeIndex>> = vec![None; count];
        for &node in &scope.order {
            let mut best: Option<NodeIndex> = None;
            for dep in self.inner().neighbors(node) {
                if best.is_none_or(|b| finish[dep.index()] > finish[b.index()]) {
                    best = Some(dep);
                }
            }
            let start = best.map_or(Duration::ZERO, |b| finish[b.index()]);
            finish[node.index()] = start + weights[node.index()];
            via[node.index()] = best;
        }
        let mut end: Option<NodeIndex> = None;
        for &node in &scope.order {
            if end.is_none_or(|e| finish[node.index()] > finish[e.index()]) {
                end = Some(node);
            }
        }
        let total = end.map_or(Duration::ZERO, |e| finish[e.index()]);
        let mut chain = Vec::new();
        let mut cursor = end;
        while let Some(node) = cursor {
            chain.push(self.name(node).to_owned());
            cursor = via[node.index()];
        }
        chain.reverse();
        Ok((chain, total))
    }

    /// Each scoped service's weight, indexed by node index (zero outside the scope).
    pub(crate) fn weights(&self, scope: &Scope, durations: &HashMap<String, Duration>) -> Vec<Duration> {
        let mut weights = vec![Duration::ZERO; self.service_count()];
        for &node in &scope.order {
            weights[node.index()] = weight_of(durations, self.name(node));
        }
        weights
    }

    /// Each scoped service's remaining path: its own weight plus the longest remaining path among
    /// its dependents inside the scope. Indexed by node index; zero outside the scope.
    pub(crate) fn remaining_paths(&self, scope: &Scope, weights: &[Duration]) -> Vec<Duration> {
        let mut remaining = vec![Duration::ZERO; self.service_count()];
        for &node in scope.order.iter().rev() {
            let after = self
                .inner()
                .neighbors_directed(node, Direction::Incoming)
                .filter(|&d| scope.contains(d))
                .map(|d| remaining[d.index()])
                .max()
                .unwrap_or(Duration::ZERO);
            remaining[node.index()] = weights[node.index()] + after;
        }
        remaining
    }
}
