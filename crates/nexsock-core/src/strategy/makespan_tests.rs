//! Makespans by simulation: each strategy keeps its promise when the executor follows its plan.

use std::{collections::HashMap, time::Duration};

use nexsock_proto::Condition;
use rstest::rstest;

use super::{Plan, PlanOptions, PlanStep, SimulationError, StartupAction, simulate, tests::plan};
use crate::graph::{
    DependencyGraph, Edge,
    fixtures::{chain, deep_chain, diamond, durations, failing_dependency, graph, uneven_levels, wide_fan_out},
    weight_of,
};

/// The same graph where every edge waits for readiness (`started` becomes `healthy`), as the
/// critical path assumes.
fn requiring_readiness(graph: &DependencyGraph) -> DependencyGraph {
    let edges = graph.edges().into_iter().map(|edge| match edge.condition {
        Condition::Started => Edge { condition: Condition::Healthy, ..edge },
        Condition::Healthy | Condition::CompletedSuccessfully | Condition::LogReady => edge,
    });
    DependencyGraph::from_parts(graph.services(), edges).expect("same services")
}

fn fan_out_durations() -> HashMap<String, Duration> {
    let mut durations: HashMap<String, Duration> =
        (0..16).map(|i| (format!("worker-{i:02}"), Duration::from_millis(100 * (i % 5 + 1)))).collect();
    durations.insert("config".into(), Duration::from_millis(250));
    durations
}

/// Three one-second services listed before a chain of two three-second services.
fn shorts_before_a_long_chain() -> (DependencyGraph, HashMap<String, Duration>) {
    let graph = graph(
        &["short-1", "short-2", "short-3", "long-a", "long-b"],
        vec![Edge::new("long-b", "long-a", Condition::Healthy)],
    );
    (graph, durations(&[("long-a", 3), ("long-b", 3)]))
}

fn unbounded(durations: &HashMap<String, Duration>) -> PlanOptions {
    PlanOptions { max_concurrent: None, durations: durations.clone() }
}

fn bounded(limit: usize, durations: &HashMap<String, Duration>) -> PlanOptions {
    PlanOptions { max_concurrent: Some(limit), durations: durations.clone() }
}

fn makespan(name: &str, graph: &DependencyGraph, options: &PlanOptions) -> Duration {
    simulate(&plan(name, graph, options), graph, &options.durations).expect("the plan runs")
}

#[rstest]
#[case::chain(chain(), durations(&[("database", 3), ("web-api", 2)]))]
#[case::diamond(diamond(), durations(&[("db", 2), ("auth", 1), ("cache", 4), ("app", 1)]))]
#[case::wide_fan_out(wide_fan_out(), fan_out_durations())]
#[case::deep_chain(deep_chain(), durations(&[]))]
#[case::failing_dependency(failing_dependency(), durations(&[("migrate", 7)]))]
fn concurrent_takes_exactly_the_critical_path(
    #[case] graph: DependencyGraph,
    #[case] weights: HashMap<String, Duration>,
) {
    let graph = requiring_readiness(&graph);
    let (_, critical) = graph.critical_path(&weights).expect("acyclic");
    assert_eq!(makespan("concurrent", &graph, &unbounded(&weights)), critical);
}

#[rstest]
#[case::chain(chain(), durations(&[("database", 3), ("web-api", 2)]))]
#[case::diamond(diamond(), durations(&[("db", 2), ("auth", 1), ("cache", 4), ("app", 1)]))]
#[case::wide_fan_out(wide_fan_out(), fan_out_durations())]
#[case::deep_chain(deep_chain(), durations(&[]))]
fn sequential_takes_the_sum_of_all_durations(
    #[case] graph: DependencyGraph,
    #[case] weights: HashMap<String, Duration>,
) {
    let sum: Duration = graph.services().map(|s| weight_of(&weights, s)).sum();
    assert_eq!(makespan("sequential", &graph, &unbounded(&weights)), sum);
    // The barriers alone keep it sequential, even if an executor ignored the bound.
    let mut plan = plan("sequential", &requiring_readiness(&graph), &unbounded(&weights));
    plan.max_concurrent = None;
    assert_eq!(simulate(&plan, &graph, &weights), Ok(sum));
}

#[rstest]
#[case::chain(chain(), durations(&[("database", 3), ("web-api", 2)]))]
#[case::diamond(diamond(), durations(&[("db", 2), ("auth", 1), ("cache", 4), ("app", 1)]))]
#[case::wide_fan_out(wide_fan_out(), fan_out_durations())]
#[case::failing_dependency(failing_dependency(), durations(&[("migrate", 7)]))]
fn parallel_safe_takes_the_slowest_service_of_each_level(
    #[case] graph: DependencyGraph,
    #[case] weights: HashMap<String, Duration>,
) {
    let graph = requiring_readiness(&graph);
    let levels = graph.levels().expect("acyclic");
    let expected: Duration =
        levels.iter().map(|level| level.iter().map(|s| weight_of(&weights, s)).max().unwrap_or_default()).sum();
    assert_eq!(makespan("parallel-safe", &graph, &unbounded(&weights)), expected);
}

#[rstest]
#[case::uneven_levels(uneven_levels(), 6000, 7000)]
#[case::shorts_before_a_long_chain(shorts_before_a_long_chain(), 6000, 7000)]
#[case::wide_fan_out((requiring_readiness(&wide_fan_out()), fan_out_durations()), 3550, 3650)]
fn critical_path_finishes_before_parallel_safe_at_two(
    #[case] fixture: (DependencyGraph, HashMap<String, Duration>),
    #[case] critical_path_ms: u64,
    #[case] parallel_safe_ms: u64,
) {
    let (graph, weights) = fixture;
    let critical = makespan("critical-path", &graph, &bounded(2, &weights));
    let levelled = makespan("parallel-safe", &graph, &bounded(2, &weights));
    assert!(critical < levelled);
    assert_eq!(
        (critical, levelled),
        (Duration::from_millis(critical_path_ms), Duration::from_millis(parallel_safe_ms))
    );
}

#[test]
fn critical_path_starts_the_long_chain_first_under_a_bound() {
    let (graph, weights) = shorts_before_a_long_chain();
    assert_eq!(makespan("concurrent", &graph, &bounded(2, &weights)), Duration::from_secs(7));
    assert_eq!(makespan("critical-path", &graph, &bounded(2, &weights)), Duration::from_secs(6));
}

fn step(service: &str, waits: &[&str]) -> PlanStep {
    let mut actions: Vec<StartupAction> = waits
        .iter()
        .map(|dep| StartupAction::WaitFor {
            dependency: (*dep).into(),
            condition: Condition::Healthy,
            required: true,
            timeout_secs: None,
            health_path: None,
        })
        .collect();
    actions.push(StartupAction::Start);
    PlanStep { service: service.into(), priority: 0, actions }
}

fn custom(steps: Vec<PlanStep>) -> Plan {
    Plan { strategy: "custom".into(), max_concurrent: None, steps }
}

#[test]
fn a_plan_that_skips_a_wait_is_caught_starting_too_early() {
    let plan = custom(vec![step("database", &[]), step("web-api", &[]), step("frontend", &["web-api"])]);
    assert_eq!(
        simulate(&plan, &chain(), &HashMap::new()),
        Err(SimulationError::DependencyNotReady { service: "web-api".into(), dependency: "database".into() })
    );
}

#[test]
fn steps_waiting_for_each_other_never_start() {
    let plan = custom(vec![step("a", &["b"]), step("b", &["a"])]);
    let graph = graph(&["a", "b"], vec![]);
    assert_eq!(
        simulate(&plan, &graph, &HashMap::new()),
        Err(SimulationError::Deadlock { waiting: vec!["a".into(), "b".into()] })
    );
}

#[test]
fn a_service_planned_twice_is_refused() {
    let plan = custom(vec![step("a", &[]), step("a", &[])]);
    assert_eq!(
        simulate(&plan, &graph(&["a"], vec![]), &HashMap::new()),
        Err(SimulationError::DuplicateStep("a".into()))
    );
}

#[test]
fn a_wait_for_a_service_outside_the_plan_is_met_from_the_start() {
    let plan = custom(vec![step("web-api", &["database"])]);
    assert_eq!(simulate(&plan, &chain(), &HashMap::new()), Ok(Duration::from_secs(1)));
}
