//! The four built-in strategies: `sequential`, `parallel-safe`, `concurrent`, `critical-path`.

use petgraph::graph::NodeIndex;

use super::{Barrier, DependencyStrategy, Plan, PlanOptions, bound, build_step, priority_by_position};
use crate::graph::{DependencyGraph, GraphError};

/// One service at a time in topological order, each ready before the next starts.
///
/// The plan's bound is 1, so the executor holds the next service until the previous one is ready
/// or failed. The same order is also written into the plan, so it holds even without the bound:
/// each step waits for the previous step's service (unless it already depends on it directly),
/// with the strongest condition any edge asks of that service, else `started` (the plan cannot
/// know of a health check no edge mentions). That barrier is optional: a failed predecessor
/// only skips the services that really depend on it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sequential;

impl DependencyStrategy for Sequential {
    fn name(&self) -> &str {
        "sequential"
    }

    fn plan(&self, graph: &DependencyGraph, roots: &[String], _options: &PlanOptions) -> Result<Plan, GraphError> {
        let scope = graph.scope(roots)?;
        let len = scope.order.len();
        let mut steps = Vec::with_capacity(len);
        let mut previous: Option<NodeIndex> = None;
        for (position, &node) in scope.order.iter().enumerate() {
            let barrier =
                previous.filter(|&prev| !graph.depends_directly(node, prev)).map(|prev| Barrier::ready(graph, prev));
            steps.push(build_step(graph, node, priority_by_position(position, len), barrier.as_slice()));
            previous = Some(node);
        }
        Ok(Plan { strategy: self.name().to_owned(), max_concurrent: Some(1), steps })
    }
}

/// Above this many waits between two adjacent levels, [`ParallelSafe`] routes its barrier through
/// one service of the level instead of making every service wait for every other.
pub const BARRIER_DIRECT_LIMIT: usize = 64;

/// Level by level (see [`DependencyGraph::levels`]): a level starts together, bounded by
/// `max_concurrent`, and all of it is ready before the next level starts.
///
/// Each step waits for its own dependencies, then for every service of the previous level (an
/// optional wait, with the strongest condition any edge asks of that service, else `started`).
/// That is |previous| x |level| waits; when that exceeds `barrier_limit` the first service of the
/// level (the gate, highest priority in its level) waits for the whole previous level and the
/// others wait for the gate to be started, which keeps the plan linear in size. Only one level is
/// ever startable, so the plan's global bound is the per-level bound.
#[derive(Debug, Clone, Copy)]
pub struct ParallelSafe {
    /// Most waits between two levels written out directly; see [`BARRIER_DIRECT_LIMIT`].
    pub barrier_limit: usize,
}

impl Default for ParallelSafe {
    fn default() -> Self {
        Self { barrier_limit: BARRIER_DIRECT_LIMIT }
    }
}

impl DependencyStrategy for ParallelSafe {
    fn name(&self) -> &str {
        "parallel-safe"
    }

    fn plan(&self, graph: &DependencyGraph, roots: &[String], options: &PlanOptions) -> Result<Plan, GraphError> {
        let scope = graph.scope(roots)?;
        let depths = graph.depths(&scope);
        let mut levels: Vec<Vec<NodeIndex>> = Vec::new();
        for &node in &scope.order {
            let level = depths[node.index()] as usize;
            if levels.len() <= level {
                levels.resize_with(level + 1, Vec::new);
            }
            levels[level].push(node);
        }
        let len = scope.order.len();
        let mut steps = Vec::with_capacity(len);
        let mut previous: Vec<Barrier> = Vec::new();
        for level in &levels {
            let direct = previous.len().saturating_mul(level.len()) <= self.barrier_limit;
            for (i, &node) in level.iter().enumerate() {
                let barriers: Vec<Barrier> = if direct || i == 0 {
                    previous.iter().copied().filter(|b| !graph.depends_directly(node, b.node)).collect()
                } else {
                    vec![Barrier::started(level[0])]
                };
                steps.push(build_step(graph, node, priority_by_position(steps.len(), len), &barriers));
            }
            previous = level.iter().map(|&node| Barrier::ready(graph, node)).collect();
        }
        Ok(Plan { strategy: self.name().to_owned(), max_concurrent: bound(options), steps })
    }
}

/// The default: each service starts the moment its own dependencies meet their conditions, so
/// without a bound the makespan is the critical path. Under a bound, earlier services in
/// topological order go first.
#[derive(Debug, Clone, Copy, Default)]
pub struct Concurrent;

impl DependencyStrategy for Concurrent {
    fn name(&self) -> &str {
        "concurrent"
    }

    fn plan(&self, graph: &DependencyGraph, roots: &[String], options: &PlanOptions) -> Result<Plan, GraphError> {
        let scope = graph.scope(roots)?;
        let len = scope.order.len();
        let steps = scope
            .order
            .iter()
            .enumerate()
            .map(|(position, &node)| build_step(graph, node, priority_by_position(position, len), &[]))
            .collect();
        Ok(Plan { strategy: self.name().to_owned(), max_concurrent: bound(options), steps })
    }
}

/// Like [`Concurrent`], but when the bound leaves a choice, the waiting service with the longest
/// remaining path goes first: its own duration plus the longest remaining path among its
/// dependents, from the recorded durations (missing ones weigh
/// [`crate::graph::DEFAULT_WEIGHT`]). The priority is that path in milliseconds.
///
/// Without a bound (`max_concurrent: None`) nothing waits for a slot and it plans the same
/// schedule as [`Concurrent`]; the CLI passes the user's `--max-concurrent`.
#[derive(Debug, Clone, Copy, Default)]
pub struct CriticalPath;

impl DependencyStrategy for CriticalPath {
    fn name(&self) -> &str {
        "critical-path"
    }

    fn plan(&self, graph: &DependencyGraph, roots: &[String], options: &PlanOptions) -> Result<Plan, GraphError> {
        let scope = graph.scope(roots)?;
        let weights = graph.weights(&scope, &options.durations);
        let remaining = graph.remaining_paths(&scope, &weights);
        let steps = scope
            .order
            .iter()
            .map(|&node| {
                let millis = u64::try_from(remaining[node.index()].as_millis()).unwrap_or(u64::MAX);
                build_step(graph, node, millis, &[])
            })
            .collect();
        Ok(Plan { strategy: self.name().to_owned(), max_concurrent: bound(options), steps })
    }
}
