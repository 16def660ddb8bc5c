//! Tests of the plans the strategies make, and of the registry, over the named fixture shapes.

use std::time::Duration;

use nexsock_proto::{Condition, TunnelMode};
use rstest::rstest;
use serde_json::json;

use super::{
    DEFAULT_STRATEGY, DependencyStrategy, Plan, PlanOptions, StartupAction, StrategyError, StrategyRegistry,
    dependency_step, simulate, tunnel_env_var,
};
use crate::graph::{
    DependencyGraph, GraphError,
    fixtures::{chain, cycle, deep_chain, diamond, durations, failing_dependency, optional_dependency, wide_fan_out},
};

pub(super) fn everything(graph: &DependencyGraph) -> Vec<String> {
    graph.services().map(str::to_owned).collect()
}

pub(super) fn plan(name: &str, graph: &DependencyGraph, options: &PlanOptions) -> Plan {
    StrategyRegistry::with_builtins().plan(name, graph, &everything(graph), options).expect("plannable")
}

fn wait(dependency: &str, condition: Condition, required: bool, timeout_secs: Option<u64>) -> StartupAction {
    StartupAction::WaitFor { dependency: dependency.into(), condition, required, timeout_secs, health_path: None }
}

#[rstest]
fn every_builtin_plans_each_service_once_waiting_for_each_dependency(
    #[values("sequential", "parallel-safe", "concurrent", "critical-path")] name: &str,
    #[values(chain(), diamond(), wide_fan_out(), deep_chain(), failing_dependency(), optional_dependency())]
    graph: DependencyGraph,
) {
    let plan = plan(name, &graph, &PlanOptions::default());
    assert_eq!(plan.strategy, name);
    assert_eq!(plan.steps.len(), graph.service_count());
    for (i, step) in plan.steps.iter().enumerate() {
        assert_eq!(step.actions.last(), Some(&StartupAction::Start), "{step:?}");
        assert_eq!(step.actions.iter().filter(|a| **a == StartupAction::Start).count(), 1);
        for waited in step.waits() {
            let at = plan.services().position(|s| s == waited).expect("waits only for planned services");
            assert!(at < i, "{} waits for the later {waited}", step.service);
        }
    }
    for edge in graph.edges() {
        let step = plan.step(&edge.service).expect("every service has a step");
        let expected = wait(&edge.depends_on, edge.condition, edge.required, edge.timeout_secs);
        assert!(step.actions.contains(&expected), "{edge:?} not in {step:?}");
    }
    simulate(&plan, &graph, &durations(&[])).expect("no service starts before its dependencies");
}

#[test]
fn optional_dependency_is_waited_for_but_not_required_and_tunnels_follow_their_wait() {
    let plan = plan("concurrent", &optional_dependency(), &PlanOptions::default());
    let api = plan.step("api").expect("planned");
    assert_eq!(
        api.actions,
        [
            wait("database", Condition::Healthy, true, None),
            StartupAction::CreateTunnel { dependency: "database".into(), mode: TunnelMode::Required },
            StartupAction::InjectEnv {
                dependency: "database".into(),
                variable: "NEXSOCK_TUNNEL_DATABASE_URL".into(),
                alias: None,
            },
            wait("metrics", Condition::Started, false, None),
            StartupAction::CreateTunnel { dependency: "metrics".into(), mode: TunnelMode::Optional },
            StartupAction::InjectEnv {
                dependency: "metrics".into(),
                variable: "NEXSOCK_TUNNEL_METRICS_URL".into(),
                alias: Some("METRICS_URL".into()),
            },
            StartupAction::Start,
        ]
    );
}

#[rstest]
fn failing_dependency_is_a_required_wait_on_completion_bounded_by_its_timeout(
    #[values("sequential", "parallel-safe", "concurrent", "critical-path")] name: &str,
) {
    let plan = plan(name, &failing_dependency(), &PlanOptions::default());
    let api = plan.step("api").expect("planned");
    assert_eq!(api.actions.first(), Some(&wait("migrate", Condition::CompletedSuccessfully, true, Some(30))));
}

#[rstest]
#[case::plain("db", "NEXSOCK_TUNNEL_DB_URL")]
#[case::dashes("web-api", "NEXSOCK_TUNNEL_WEB_API_URL")]
#[case::underscores_and_digits("cache_2", "NEXSOCK_TUNNEL_CACHE_2_URL")]
#[case::mixed_case("Auth-V2", "NEXSOCK_TUNNEL_AUTH_V2_URL")]
fn tunnel_variable_is_the_upper_cased_dependency(#[case] dependency: &str, #[case] variable: &str) {
    assert_eq!(tunnel_env_var(dependency), variable);
}

#[test]
fn sequential_runs_one_at_a_time_in_topological_order() {
    let graph = diamond();
    let plan = plan("sequential", &graph, &PlanOptions { max_concurrent: Some(8), ..PlanOptions::default() });
    assert_eq!(plan.max_concurrent, Some(1));
    assert_eq!(plan.services().collect::<Vec<_>>(), graph.topological_order().expect("acyclic"));
    assert!(plan.steps.windows(2).all(|pair| pair[0].priority > pair[1].priority));
}

#[test]
fn sequential_waits_for_the_previous_service_when_it_is_not_a_dependency() {
    // Order: db, auth, cache, app. `cache` does not depend on `auth`: an optional barrier, on the
    // condition `app` asks of `auth`.
    let plan = plan("sequential", &diamond(), &PlanOptions::default());
    assert_eq!(
        plan.step("cache").expect("planned").actions,
        [
            wait("db", Condition::Started, true, None),
            wait("auth", Condition::Started, false, None),
            StartupAction::Start
        ]
    );
    assert_eq!(plan.step("app").expect("planned").waits().collect::<Vec<_>>(), ["auth", "cache"]);
}

#[test]
fn parallel_safe_waits_for_the_whole_previous_level() {
    let plan = plan("parallel-safe", &failing_dependency(), &PlanOptions::default());
    assert_eq!(plan.services().collect::<Vec<_>>(), ["database", "migrate", "api", "web"]);
    let graph = wide_fan_out();
    let plan = plan_parallel_safe(&graph, super::BARRIER_DIRECT_LIMIT);
    let gateway = plan.step("gateway").expect("planned");
    assert_eq!(gateway.waits().count(), 16);
    let worker = plan.step("worker-03").expect("planned");
    assert_eq!(worker.waits().collect::<Vec<_>>(), ["config"]);
}

fn plan_parallel_safe(graph: &DependencyGraph, barrier_limit: usize) -> Plan {
    super::ParallelSafe { barrier_limit }.plan(graph, &everything(graph), &PlanOptions::default()).expect("plannable")
}

#[test]
fn parallel_safe_routes_a_wide_barrier_through_the_first_service_of_the_level() {
    let graph = crate::graph::fixtures::graph(
        &["a", "b", "c", "x", "y", "z"],
        vec![
            crate::graph::Edge::new("x", "a", Condition::Healthy),
            crate::graph::Edge::new("z", "c", Condition::Started),
        ],
    );
    // Levels: [a, b, c, y] then [x, z]; 4 x 2 = 8 waits > 3.
    let plan = plan_parallel_safe(&graph, 3);
    assert_eq!(plan.step("x").expect("planned").waits().collect::<Vec<_>>(), ["a", "b", "c", "y"]);
    assert_eq!(
        plan.step("z").expect("planned").actions,
        [wait("c", Condition::Started, true, None), wait("x", Condition::Started, false, None), StartupAction::Start]
    );
    let direct = plan_parallel_safe(&graph, 8);
    assert_eq!(direct.step("z").expect("planned").waits().collect::<Vec<_>>(), ["c", "a", "b", "y"]);
    let weights = durations(&[("a", 4), ("b", 1), ("c", 2), ("y", 3), ("x", 2), ("z", 5)]);
    // `x` starts once level 0 is ready at 4 s, `z` with it: both barriers end at 9 s.
    assert_eq!(simulate(&plan, &graph, &weights), Ok(Duration::from_secs(9)));
    assert_eq!(simulate(&direct, &graph, &weights), Ok(Duration::from_secs(9)));
}

#[test]
fn critical_path_priority_is_the_remaining_path_in_milliseconds() {
    let (graph, weights) = crate::graph::fixtures::uneven_levels();
    let plan = plan("critical-path", &graph, &PlanOptions { max_concurrent: Some(2), durations: weights });
    let priorities: Vec<(&str, u64)> = plan.steps.iter().map(|s| (s.service.as_str(), s.priority)).collect();
    assert_eq!(priorities, [("slow-build", 6000), ("report", 5000), ("docs", 5000), ("quick-lint", 1000)]);
    assert_eq!(plan.max_concurrent, Some(2));
}

#[rstest]
#[case::middle_of_a_chain(chain(), &["web-api"][..], &["database", "web-api"][..])]
#[case::union_each_once(diamond(), &["auth", "cache"], &["db", "auth", "cache"])]
#[case::nothing(diamond(), &[], &[])]
#[case::beside_a_cycle(cycle(), &["database"], &["database"])]
fn a_plan_holds_exactly_what_the_roots_need(
    #[case] graph: DependencyGraph,
    #[case] roots: &[&str],
    #[case] services: &[&str],
) {
    let roots: Vec<String> = roots.iter().map(|s| s.to_string()).collect();
    for name in StrategyRegistry::with_builtins().names() {
        let plan =
            StrategyRegistry::with_builtins().plan(name, &graph, &roots, &PlanOptions::default()).expect("plannable");
        assert_eq!(plan.services().collect::<Vec<_>>(), services, "{name}");
    }
}

#[test]
fn planning_a_cycle_is_refused_naming_it() {
    let error = StrategyRegistry::with_builtins()
        .plan(DEFAULT_STRATEGY, &cycle(), &["web-api".into()], &PlanOptions::default())
        .expect_err("cyclic");
    assert_eq!(
        error,
        StrategyError::Graph(GraphError::Cycle(vec!["web-api".into(), "cache".into(), "web-api".into()]))
    );
    assert_eq!(error.to_string(), "dependency cycle: web-api -> cache -> web-api");
}

#[test]
fn planning_an_unknown_root_is_refused() {
    let error = StrategyRegistry::with_builtins()
        .plan("sequential", &chain(), &["ghost".into()], &PlanOptions::default())
        .expect_err("unknown");
    assert_eq!(error, StrategyError::Graph(GraphError::UnknownService("ghost".into())));
}

#[test]
fn a_bound_of_zero_is_read_as_one() {
    let plan = plan("concurrent", &chain(), &PlanOptions { max_concurrent: Some(0), ..PlanOptions::default() });
    assert_eq!(plan.max_concurrent, Some(1));
}

#[test]
fn registry_knows_the_builtins_and_names_them_when_asked_for_another() {
    let registry = StrategyRegistry::with_builtins();
    assert_eq!(registry.names(), ["sequential", "parallel-safe", "concurrent", "critical-path"]);
    assert!(registry.get(DEFAULT_STRATEGY).is_some());
    let error = registry.resolve("fastest").err().expect("unknown");
    assert_eq!(
        error.to_string(),
        "unknown strategy `fastest` (known: sequential, parallel-safe, concurrent, critical-path)"
    );
}

#[test]
fn registry_refuses_a_second_strategy_with_a_taken_name() {
    let mut registry = StrategyRegistry::with_builtins();
    let error = registry.register(Box::new(super::Concurrent)).expect_err("taken");
    assert_eq!(error, StrategyError::DuplicateStrategy("concurrent".into()));
}

/// A custom strategy through the public API only: one at a time, alphabetically among the
/// services whose dependencies are ready.
struct Alphabetical;

impl DependencyStrategy for Alphabetical {
    fn name(&self) -> &'static str {
        "alphabetical"
    }

    fn plan(&self, graph: &DependencyGraph, roots: &[String], _options: &PlanOptions) -> Result<Plan, GraphError> {
        let order = graph.subgraph_for_many(roots)?.topological_order()?;
        let mut sorted = order.clone();
        sorted.sort();
        let steps = order
            .iter()
            .map(|service| {
                let rank = sorted.iter().position(|s| s == service).unwrap_or(0);
                dependency_step(graph, service, (sorted.len() - rank) as u64)
            })
            .collect::<Result<_, _>>()?;
        Ok(Plan { strategy: self.name().into(), max_concurrent: Some(1), steps })
    }
}

#[test]
fn a_custom_strategy_is_registered_and_used_by_name() {
    let mut registry = StrategyRegistry::with_builtins();
    registry.register(Box::new(Alphabetical)).expect("free name");
    assert!(registry.names().contains(&"alphabetical"));
    let graph = diamond();
    let plan = registry.plan("alphabetical", &graph, &everything(&graph), &PlanOptions::default()).expect("plannable");
    assert_eq!(plan.strategy, "alphabetical");
    assert_eq!(plan.step("auth").map(|s| s.priority), Some(3));
    assert_eq!(simulate(&plan, &graph, &durations(&[])), Ok(Duration::from_secs(4)));
}

#[test]
fn actions_serialise_tagged_by_kind() {
    let value = serde_json::to_value([wait("db", Condition::Healthy, true, Some(5)), StartupAction::Start])
        .expect("serialisable");
    assert_eq!(
        value,
        json!([
            {"action": "wait_for", "dependency": "db", "condition": "healthy", "required": true, "timeout_secs": 5},
            {"action": "start"}
        ])
    );
}
