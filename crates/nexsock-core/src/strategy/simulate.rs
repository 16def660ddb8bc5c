//! A discrete-event simulation of the executor following a plan: its makespan, and a check that no
//! service starts before its dependencies are ready. Pure; used to compare strategies.

use std::{
    cmp::Reverse,
    collections::{BinaryHeap, HashMap},
    time::Duration,
};

use petgraph::Direction;

use nexsock_proto::Condition;

use super::{Plan, StartupAction};
use crate::graph::{DependencyGraph, weight_of};

/// Why a plan cannot be simulated to the end.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SimulationError {
    /// Two steps start the same service.
    #[error("service `{0}` has two steps in the plan")]
    DuplicateStep(String),
    /// The plan let a service start before a dependency (in the graph, with a step) was ready.
    #[error("service `{service}` would start before its dependency `{dependency}` is ready")]
    DependencyNotReady {
        /// The service started too early.
        service: String,
        /// The dependency it did not wait for.
        dependency: String,
    },
    /// Some steps wait for each other and never start.
    #[error("the plan never starts: {}", .waiting.join(", "))]
    Deadlock {
        /// The services that never start.
        waiting: Vec<String>,
    },
}

/// The makespan of `plan`: the time from the first `Start` until the last service is ready.
///
/// The model: each service takes its duration (missing ones weigh [`crate::graph::DEFAULT_WEIGHT`])
/// from `Start` to ready and holds a slot meanwhile; a `WaitFor` on `started` is met at the
/// dependency's `Start`, any other condition when it is ready; a wait on a service without a step
/// is met from the start (it is already running); nothing fails. When a slot is free, the
/// startable step with the highest priority starts, ties in step order. So when no edge asks only
/// for `started`, unbounded `concurrent` takes exactly [`DependencyGraph::critical_path`].
///
/// Errors: [`SimulationError::DependencyNotReady`] when a service would start before one of its
/// graph dependencies that has a step meets the edge's condition, [`SimulationError::Deadlock`],
/// [`SimulationError::DuplicateStep`].
pub fn simulate(
    plan: &Plan,
    graph: &DependencyGraph,
    durations: &HashMap<String, Duration>,
) -> Result<Duration, SimulationError> {
    schedule(plan, graph, durations).map(|s| s.makespan)
}

/// When each service of a simulated plan starts, and the makespan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    /// From the first `Start` until the last service is ready.
    pub makespan: Duration,
    /// Each service with the moment it starts, in start order.
    pub starts: Vec<(String, Duration)>,
}

impl Schedule {
    /// The services grouped by the moment they start: each group starts together.
    pub fn waves(&self) -> Vec<Vec<String>> {
        let mut waves: Vec<(Duration, Vec<String>)> = Vec::new();
        for (service, at) in &self.starts {
            match waves.last_mut() {
                Some((t, wave)) if t == at => wave.push(service.clone()),
                _ => waves.push((*at, vec![service.clone()])),
            }
        }
        waves.into_iter().map(|(_, wave)| wave).collect()
    }
}

/// [`simulate`], keeping when each service starts (the dry run of a chain start shows it).
///
/// Errors: as [`simulate`].
pub fn schedule(
    plan: &Plan,
    graph: &DependencyGraph,
    durations: &HashMap<String, Duration>,
) -> Result<Schedule, SimulationError> {
    let count = plan.steps.len();
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(count);
    for (i, step) in plan.steps.iter().enumerate() {
        if index.insert(step.service.as_str(), i).is_some() {
            return Err(SimulationError::DuplicateStep(step.service.clone()));
        }
    }
    let mut run = Run {
        plan,
        pending: vec![0; count],
        waiters: vec![Vec::new(); count],
        startable: BinaryHeap::new(),
        started: vec![false; count],
        ready: vec![false; count],
    };
    for (i, step) in plan.steps.iter().enumerate() {
        for action in &step.actions {
            if let StartupAction::WaitFor { dependency, condition, .. } = action
                && let Some(&j) = index.get(dependency.as_str())
            {
                run.pending[i] += 1;
                run.waiters[j].push((i, *condition == Condition::Started));
            }
        }
    }
    for i in (0..count).filter(|&i| run.pending[i] == 0) {
        run.startable.push((plan.steps[i].priority, Reverse(i)));
    }
    let slots = plan.max_concurrent.map_or(usize::MAX, |n| n.max(1));
    let mut running: BinaryHeap<Reverse<(Duration, usize)>> = BinaryHeap::new();
    let mut now = Duration::ZERO;
    let mut starts = Vec::with_capacity(count);
    loop {
        while running.len() < slots {
            let Some((_, Reverse(i))) = run.startable.pop() else { break };
            check_dependencies(&run, graph, &index, i)?;
            run.reach(i, true);
            starts.push((plan.steps[i].service.clone(), now));
            running.push(Reverse((now + weight_of(durations, &plan.steps[i].service), i)));
        }
        let Some(Reverse((time, first))) = running.pop() else { break };
        now = time;
        run.reach(first, false);
        while let Some(Reverse((t, i))) = running.peek().copied()
            && t == now
        {
            running.pop();
            run.reach(i, false);
        }
    }
    let started = &run.started;
    let waiting: Vec<String> = (0..count).filter(|&i| !started[i]).map(|i| plan.steps[i].service.clone()).collect();
    if !waiting.is_empty() {
        return Err(SimulationError::Deadlock { waiting });
    }
    Ok(Schedule { makespan: now, starts })
}

/// The simulation's state, by step index.
struct Run<'a> {
    plan: &'a Plan,
    /// Waits of each step not met yet.
    pending: Vec<usize>,
    /// For each step, the steps waiting for it, and whether they wait only for its `Start`.
    waiters: Vec<Vec<(usize, bool)>>,
    /// Steps whose waits are met, by priority then step order.
    startable: BinaryHeap<(u64, Reverse<usize>)>,
    started: Vec<bool>,
    ready: Vec<bool>,
}

impl Run<'_> {
    /// Step `i` started (`on_start`) or became ready: meets the waits that asked for that.
    fn reach(&mut self, i: usize, on_start: bool) {
        if on_start {
            self.started[i] = true;
        } else {
            self.ready[i] = true;
        }
        for &(waiter, wants_start) in &self.waiters[i] {
            if wants_start == on_start {
                self.pending[waiter] -= 1;
                if self.pending[waiter] == 0 {
                    self.startable.push((self.plan.steps[waiter].priority, Reverse(waiter)));
                }
            }
        }
    }
}

/// Refuses to start step `i` while a graph dependency of its service that has a step does not
/// meet the edge's condition.
fn check_dependencies(
    run: &Run<'_>,
    graph: &DependencyGraph,
    index: &HashMap<&str, usize>,
    i: usize,
) -> Result<(), SimulationError> {
    let service = &run.plan.steps[i].service;
    let Ok(node) = graph.node(service) else { return Ok(()) };
    for (dep, link) in graph.links(node, Direction::Outgoing) {
        let dependency = graph.name(dep);
        let Some(&j) = index.get(dependency) else { continue };
        let met = if link.condition == Condition::Started { run.started[j] } else { run.ready[j] };
        if !met {
            return Err(SimulationError::DependencyNotReady {
                service: service.clone(),
                dependency: dependency.to_owned(),
            });
        }
    }
    Ok(())
}
