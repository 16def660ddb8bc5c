//! Tests of the dependency graph over the named fixture shapes.

use std::{collections::HashMap, time::Duration};

use nexsock_proto::{Condition, DependencySpec, TunnelMode};
use rstest::rstest;

use super::{
    DependencyGraph, Edge, GraphError,
    fixtures::{self, chain, cycle, deep_chain, diamond, durations, failing_dependency, graph, wide_fan_out},
};

fn position(order: &[String], name: &str) -> usize {
    order.iter().position(|n| n == name).expect("service is in the order")
}

#[rstest]
#[case::chain(chain())]
#[case::diamond(diamond())]
#[case::wide_fan_out(wide_fan_out())]
#[case::deep_chain(deep_chain())]
#[case::failing_dependency(failing_dependency())]
#[case::optional_dependency(fixtures::optional_dependency())]
fn topological_order_lists_every_service_once_after_its_dependencies(#[case] graph: DependencyGraph) {
    let order = graph.topological_order().expect("acyclic");
    assert_eq!(order.len(), graph.service_count());
    for edge in graph.edges() {
        assert!(position(&order, &edge.depends_on) < position(&order, &edge.service), "{edge:?}");
    }
    assert_eq!(graph.find_cycle(), None);
}

#[test]
fn topological_order_of_a_chain_starts_at_its_end() {
    assert_eq!(chain().topological_order().expect("acyclic"), ["database", "web-api", "frontend"]);
}

#[test]
fn a_cycle_is_found_with_its_path_closed_on_itself() {
    assert_eq!(cycle().find_cycle(), Some(vec!["web-api".into(), "cache".into(), "web-api".into()]));
}

#[test]
fn ordering_a_cycle_is_refused_naming_the_cycle() {
    let error = cycle().topological_order().expect_err("cyclic");
    assert_eq!(error, GraphError::Cycle(vec!["web-api".into(), "cache".into(), "web-api".into()]));
    assert_eq!(error.to_string(), "dependency cycle: web-api -> cache -> web-api");
    assert!(cycle().levels().is_err());
    assert!(cycle().critical_path(&HashMap::new()).is_err());
}

#[test]
fn a_self_dependency_is_a_cycle_of_one() {
    let graph = graph(&["a"], vec![Edge::new("a", "a", Condition::Started)]);
    assert_eq!(graph.find_cycle(), Some(vec!["a".into(), "a".into()]));
}

#[rstest]
#[case::closing_a_two_cycle(&["web-api", "cache"], &[("cache", "web-api")], "web-api", "cache", Some(&["web-api", "cache", "web-api"][..]))]
#[case::closing_through_a_chain(&["frontend", "web-api", "database"], &[("frontend", "web-api"), ("web-api", "database")], "database", "frontend", Some(&["database", "frontend", "web-api", "database"][..]))]
#[case::self_edge(&["a"], &[], "a", "a", Some(&["a", "a"][..]))]
#[case::edge_along_the_order(&["frontend", "web-api", "database"], &[("frontend", "web-api"), ("web-api", "database")], "frontend", "database", None)]
#[case::unrelated_services(&["a", "b"], &[], "a", "b", None)]
#[case::unknown_service(&["a"], &[], "a", "ghost", None)]
fn would_close_cycle_names_the_path_the_new_edge_closes(
    #[case] services: &[&str],
    #[case] edges: &[(&str, &str)],
    #[case] service: &str,
    #[case] depends_on: &str,
    #[case] expected: Option<&[&str]>,
) {
    let graph = graph(services, edges.iter().map(|&(s, d)| Edge::new(s, d, Condition::Started)).collect());
    let expected = expected.map(|path| path.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    assert_eq!(graph.would_close_cycle(service, depends_on), expected);
}

#[rstest]
#[case::chain(chain(), &[&["database"][..], &["web-api"], &["frontend"]])]
#[case::diamond(diamond(), &[&["db"][..], &["auth", "cache"], &["app"]])]
#[case::failing_dependency(failing_dependency(), &[&["database"][..], &["migrate"], &["api"], &["web"]])]
fn levels_group_services_by_longest_path_depth(#[case] graph: DependencyGraph, #[case] expected: &[&[&str]]) {
    assert_eq!(graph.levels().expect("acyclic"), expected);
}

#[test]
fn a_shortcut_edge_does_not_lower_a_level() {
    let mut graph = diamond();
    graph.add_edge(Edge::new("app", "db", Condition::Started)).expect("known services");
    assert_eq!(graph.levels().expect("acyclic")[2], ["app"]);
}

#[rstest]
#[case::wide_fan_out(wide_fan_out(), &[1, 16, 1])]
#[case::deep_chain(deep_chain(), &[1; 50])]
fn level_sizes_follow_the_shape(#[case] graph: DependencyGraph, #[case] sizes: &[usize]) {
    let levels = graph.levels().expect("acyclic");
    assert_eq!(levels.iter().map(Vec::len).collect::<Vec<_>>(), sizes);
}

#[rstest]
#[case::leaf_needs_only_itself(&["db"][..], &["db"][..], 0)]
#[case::middle_needs_its_dependency(&["cache"], &["cache", "db"], 1)]
#[case::union_of_two_chains(&["auth", "cache"], &["auth", "cache", "db"], 2)]
#[case::root_needs_everything(&["app"], &["app", "auth", "cache", "db"], 4)]
fn subgraph_holds_the_roots_and_what_they_need(
    #[case] roots: &[&str],
    #[case] services: &[&str],
    #[case] edges: usize,
) {
    let sub = diamond().subgraph_for_many(roots).expect("known roots");
    assert_eq!(sub.services().collect::<Vec<_>>(), services);
    assert_eq!(sub.edge_count(), edges);
    for edge in sub.edges() {
        assert_eq!(diamond().edge(&edge.service, &edge.depends_on), Some(edge));
    }
}

#[test]
fn subgraph_of_an_unknown_root_is_refused() {
    assert_eq!(diamond().subgraph_for("ghost").err(), Some(GraphError::UnknownService("ghost".into())));
}

#[test]
fn a_cycle_outside_the_subgraph_does_not_matter() {
    let sub = cycle().subgraph_for("database").expect("known root");
    assert_eq!(sub.topological_order().expect("acyclic"), ["database"]);
}

#[rstest]
#[case::chain_end(chain(), "database", &["frontend", "web-api"][..])]
#[case::chain_root(chain(), "frontend", &[][..])]
#[case::diamond_bottom(diamond(), "db", &["app", "auth", "cache"][..])]
#[case::failing_task(failing_dependency(), "migrate", &["web", "api"][..])]
fn dependents_stop_before_what_they_depend_on(
    #[case] graph: DependencyGraph,
    #[case] service: &str,
    #[case] expected: &[&str],
) {
    let order = graph.dependents_of(service).expect("acyclic");
    let mut sorted = order.clone();
    sorted.sort();
    let mut expected_sorted: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected_sorted.sort();
    assert_eq!(sorted, expected_sorted);
    for edge in graph.edges() {
        if order.contains(&edge.service) && order.contains(&edge.depends_on) {
            assert!(position(&order, &edge.service) < position(&order, &edge.depends_on), "{edge:?}");
        }
    }
}

#[test]
fn direct_neighbours_come_in_declaration_order_with_their_edges() {
    let graph = diamond();
    let deps = graph.direct_dependencies("app").expect("known");
    assert_eq!(deps, [Edge::new("app", "auth", Condition::Started), Edge::new("app", "cache", Condition::Healthy)]);
    let dependents = graph.direct_dependents("db").expect("known");
    assert_eq!(dependents.iter().map(|e| e.service.as_str()).collect::<Vec<_>>(), ["auth", "cache"]);
    assert!(graph.direct_dependencies("ghost").is_err());
}

fn names(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[rstest]
#[case::chain_with_equal_weights(chain(), durations(&[]), names(&["database", "web-api", "frontend"]), 3)]
#[case::diamond_through_the_slow_side(diamond(), durations(&[("cache", 5), ("auth", 1)]), names(&["db", "cache", "app"]), 7)]
#[case::deep_chain(deep_chain(), durations(&[]), (0..50).map(|i| format!("step-{i:02}")).collect(), 50)]
fn critical_path_is_the_heaviest_chain(
    #[case] graph: DependencyGraph,
    #[case] durations: HashMap<String, Duration>,
    #[case] chain: Vec<String>,
    #[case] secs: u64,
) {
    assert_eq!(graph.critical_path(&durations), Ok((chain, Duration::from_secs(secs))));
}

#[test]
fn critical_path_of_an_empty_graph_is_empty() {
    assert_eq!(DependencyGraph::new().critical_path(&HashMap::new()), Ok((vec![], Duration::ZERO)));
}

#[test]
fn an_edge_to_an_unknown_service_is_refused() {
    let result = DependencyGraph::from_parts(["a"], [Edge::new("a", "ghost", Condition::Started)]);
    assert_eq!(result.err(), Some(GraphError::UnknownService("ghost".into())));
}

#[test]
fn adding_an_edge_again_replaces_its_attributes() {
    let mut graph = chain();
    graph.add_edge(Edge::new("frontend", "web-api", Condition::Started).optional()).expect("known");
    assert_eq!(graph.edge_count(), 2);
    assert_eq!(
        graph.edge("frontend", "web-api"),
        Some(Edge::new("frontend", "web-api", Condition::Started).optional())
    );
}

#[rstest]
#[case::declared_condition_wins(Some(Condition::LogReady), Condition::Healthy, Condition::LogReady)]
#[case::default_fills_in(None, Condition::Healthy, Condition::Healthy)]
fn an_edge_resolves_its_spec(
    #[case] declared: Option<Condition>,
    #[case] default: Condition,
    #[case] resolved: Condition,
) {
    let spec = DependencySpec {
        service: "web-api".into(),
        depends_on: "database".into(),
        condition: declared,
        required: false,
        tunnel_mode: TunnelMode::Optional,
        timeout_secs: Some(5),
        health_path: None,
        env_alias: Some("DB_URL".into()),
        restart_on_new_url: true,
    };
    let edge = Edge::from_spec(&spec, default);
    assert_eq!(edge.condition, resolved);
    assert!(!edge.required);
    assert_eq!(
        (edge.tunnel_mode, edge.timeout_secs, edge.env_alias.as_deref()),
        (TunnelMode::Optional, Some(5), Some("DB_URL"))
    );
}
