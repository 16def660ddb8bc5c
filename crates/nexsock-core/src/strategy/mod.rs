//! Start strategies: pure functions from a [`DependencyGraph`] to a [`Plan`], the data the engine's
//! one event-driven executor follows.
//!
//! The executor's contract: a step's actions run in order and `Start` is last; a `WaitFor` blocks
//! until its dependency meets the condition (a failed `required` one skips the step, a failed
//! optional one warns and goes on); a service holds one of `max_concurrent` slots from its `Start`
//! until it is ready or failed; when several steps may start, the highest `priority` goes first,
//! ties in step order. Steps are listed so that every step comes after the steps it waits for.

mod builtin;
mod declared;
mod registry;
mod simulate;

#[cfg(test)]
mod makespan_tests;
#[cfg(test)]
mod tests;

use std::{collections::HashMap, time::Duration};

use nexsock_proto::{Condition, TunnelMode};
use petgraph::{Direction, graph::NodeIndex};
use serde::{Deserialize, Serialize};

pub use builtin::{BARRIER_DIRECT_LIMIT, Concurrent, CriticalPath, ParallelSafe, Sequential};
pub use declared::Declared;
pub use registry::{DEFAULT_STRATEGY, StrategyError, StrategyRegistry};
pub use simulate::{Schedule, SimulationError, schedule, simulate};

use crate::graph::{DependencyGraph, GraphError};

/// A way to start services with their dependencies, chosen by name.
pub trait DependencyStrategy {
    /// The name users pick it by (`--strategy NAME`); unique in a registry.
    fn name(&self) -> &str;

    /// The plan that starts `roots` and everything they depend on, each service once. Empty
    /// `roots` give an empty plan.
    ///
    /// Errors: [`GraphError::UnknownService`] for an unknown root; [`GraphError::Cycle`] when the
    /// part of the graph the roots need is cyclic.
    fn plan(&self, graph: &DependencyGraph, roots: &[String], options: &PlanOptions) -> Result<Plan, GraphError>;
}

/// What a plan may take into account besides the graph.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanOptions {
    /// Bound on services starting at once (`--max-concurrent`); `None` = unbounded. A bound of 0
    /// is read as 1.
    pub max_concurrent: Option<usize>,
    /// Spawn-to-ready durations recorded in earlier executions; missing ones weigh
    /// [`crate::graph::DEFAULT_WEIGHT`].
    pub durations: HashMap<String, Duration>,
}

/// What the executor runs: one step per service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// The strategy that made it.
    pub strategy: String,
    /// Bound on services between `Start` and ready at once; `None` = unbounded.
    pub max_concurrent: Option<usize>,
    /// The steps, each after the steps it waits for.
    pub steps: Vec<PlanStep>,
}

impl Plan {
    /// The step of a service.
    pub fn step(&self, service: &str) -> Option<&PlanStep> {
        self.steps.iter().find(|step| step.service == service)
    }

    /// The services, in step order.
    pub fn services(&self) -> impl Iterator<Item = &str> + '_ {
        self.steps.iter().map(|step| step.service.as_str())
    }

    /// The chain whose readiness set the total time, first to last: from the service ready last,
    /// back through, at each step, the dependency it waits for that was ready last. `ready`
    /// gives a service's ready time, `None` for one that was not ready (or not run); ties go to
    /// the later step.
    pub fn critical_chain<T: Ord + Copy>(&self, ready: impl Fn(&str) -> Option<T>) -> Vec<String> {
        let Some(mut current) = self.services().filter(|s| ready(s).is_some()).max_by_key(|s| ready(s)) else {
            return Vec::new();
        };
        let mut chain = vec![current.to_owned()];
        while let Some(step) = self.step(current) {
            let Some(next) = step.waits().filter(|d| ready(d).is_some()).max_by_key(|d| ready(d)) else { break };
            if chain.iter().any(|c| c == next) {
                break;
            }
            chain.push(next.to_owned());
            current = next;
        }
        chain.reverse();
        chain
    }
}

/// How one service is started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStep {
    /// The service.
    pub service: String,
    /// Higher starts first when several steps may start under the concurrency bound.
    pub priority: u64,
    /// Run in order; `Start` is last.
    pub actions: Vec<StartupAction>,
}

impl PlanStep {
    /// The services this step waits for, in action order.
    pub fn waits(&self) -> impl Iterator<Item = &str> + '_ {
        self.actions.iter().filter_map(|action| match action {
            StartupAction::WaitFor { dependency, .. } => Some(dependency.as_str()),
            StartupAction::CreateTunnel { .. } | StartupAction::InjectEnv { .. } | StartupAction::Start => None,
        })
    }
}

/// One thing the executor does for a service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StartupAction {
    /// Block until `dependency` meets `condition`, for at most `timeout_secs` when set. When it
    /// fails: a `required` wait skips this service, an optional one warns and goes on.
    WaitFor {
        /// The service waited for.
        dependency: String,
        /// What it must reach.
        condition: Condition,
        /// Whether its failure skips this service.
        required: bool,
        /// Bound on the wait, in seconds.
        timeout_secs: Option<u64>,
        /// Once the condition holds, also wait until GET of this path on the dependency's port
        /// answers 2xx or 3xx (`--health-path`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        health_path: Option<String>,
    },
    /// Open a tunnel to `dependency` for this service.
    CreateTunnel {
        /// The service tunnelled to.
        dependency: String,
        /// Whether failing to open it fails this service.
        mode: TunnelMode,
    },
    /// Put the tunnel's URL into this service's environment.
    InjectEnv {
        /// The service tunnelled to.
        dependency: String,
        /// The variable, see [`tunnel_env_var`].
        variable: String,
        /// A second variable with the same value (`--env-alias`).
        alias: Option<String>,
    },
    /// Spawn the service.
    Start,
}

/// The variable that carries a tunnel's URL: `NEXSOCK_TUNNEL_<DEP>_URL`, with the dependency's
/// name upper-cased and every character other than a letter or digit turned into `_`
/// (`web-api` gives `NEXSOCK_TUNNEL_WEB_API_URL`).
pub fn tunnel_env_var(dependency: &str) -> String {
    let name: String =
        dependency.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_uppercase() } else { '_' }).collect();
    format!("NEXSOCK_TUNNEL_{name}_URL")
}

/// The step every built-in starts from: for each direct dependency in declaration order, a
/// `WaitFor` with the edge's condition, `required` and timeout, followed by `CreateTunnel` and
/// `InjectEnv` when the edge has a tunnel; then `Start`. For custom strategies.
///
/// Errors: [`GraphError::UnknownService`].
pub fn dependency_step(graph: &DependencyGraph, service: &str, priority: u64) -> Result<PlanStep, GraphError> {
    Ok(build_step(graph, graph.node(service)?, priority, &[]))
}

/// A wait on a service that is not a dependency: it orders, it never skips.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Barrier {
    node: NodeIndex,
    condition: Condition,
}

impl Barrier {
    /// A barrier on `node` being ready, as far as the graph tells (see [`readiness`]).
    pub(crate) fn ready(graph: &DependencyGraph, node: NodeIndex) -> Self {
        Self { node, condition: readiness(graph, node) }
    }

    /// A barrier on `node` having been spawned.
    pub(crate) fn started(node: NodeIndex) -> Self {
        Self { node, condition: Condition::Started }
    }
}

/// [`dependency_step`] with `barriers` waited for after the dependencies, before `Start`. A
/// barrier is an optional wait without timeout.
pub(crate) fn build_step(graph: &DependencyGraph, node: NodeIndex, priority: u64, barriers: &[Barrier]) -> PlanStep {
    let degree = graph.links_newest_first(node, Direction::Outgoing).count();
    let mut actions = Vec::with_capacity(degree + barriers.len() + 1);
    // petgraph lists edges newest first: push each edge's actions backwards, then reverse them
    // all, which gives declaration order without collecting the edges first (planning is hot).
    for (dep, link) in graph.links_newest_first(node, Direction::Outgoing) {
        let dependency = graph.name(dep);
        if link.tunnel_mode != TunnelMode::None {
            actions.push(StartupAction::InjectEnv {
                dependency: dependency.to_owned(),
                variable: tunnel_env_var(dependency),
                alias: link.env_alias.clone(),
            });
            actions.push(StartupAction::CreateTunnel { dependency: dependency.to_owned(), mode: link.tunnel_mode });
        }
        actions.push(StartupAction::WaitFor {
            dependency: dependency.to_owned(),
            condition: link.condition,
            required: link.required,
            timeout_secs: link.timeout_secs,
            health_path: link.health_path.clone(),
        });
    }
    actions.reverse();
    for barrier in barriers {
        actions.push(StartupAction::WaitFor {
            dependency: graph.name(barrier.node).to_owned(),
            condition: barrier.condition,
            required: false,
            timeout_secs: None,
            health_path: None,
        });
    }
    actions.push(StartupAction::Start);
    PlanStep { service: graph.name(node).to_owned(), priority, actions }
}

/// What "ready" means for a service, as far as the graph tells: the strongest condition any edge
/// asks of it (completed > healthy > log > started), else `Started`.
///
/// The plan cannot know whether a service has a health check or a log pattern, and a wait it
/// cannot meet would hang; but an edge asking for one proves it exists (both are refused at
/// configuration time otherwise), and an edge asking for completion marks a one-shot task.
pub(crate) fn readiness(graph: &DependencyGraph, node: NodeIndex) -> Condition {
    fn rank(condition: Condition) -> u8 {
        match condition {
            Condition::Started => 0,
            Condition::LogReady => 1,
            Condition::Healthy => 2,
            Condition::CompletedSuccessfully => 3,
        }
    }
    graph
        .links_newest_first(node, Direction::Incoming)
        .map(|(_, link)| link.condition)
        .max_by_key(|&c| rank(c))
        .unwrap_or(Condition::Started)
}

/// Priority of the step at `position` of `len`: earlier steps first.
pub(crate) fn priority_by_position(position: usize, len: usize) -> u64 {
    (len - position) as u64
}

/// The concurrency bound of `options`, with 0 read as 1.
pub(crate) fn bound(options: &PlanOptions) -> Option<usize> {
    options.max_concurrent.map(|n| n.max(1))
}
