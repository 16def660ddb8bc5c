//! Test graphs named by shape, shared by the graph and strategy tests.

use std::{collections::HashMap, time::Duration};

use nexsock_proto::{Condition, TunnelMode};

use super::{DependencyGraph, Edge};

/// Builds a graph; panics on a fixture typo (tests only).
pub(crate) fn graph(services: &[&str], edges: Vec<Edge>) -> DependencyGraph {
    DependencyGraph::from_parts(services, edges).expect("fixture edges name fixture services")
}

/// `frontend -> web-api -> database`.
pub(crate) fn chain() -> DependencyGraph {
    graph(
        &["frontend", "web-api", "database"],
        vec![
            Edge::new("frontend", "web-api", Condition::Healthy),
            Edge::new("web-api", "database", Condition::Healthy),
        ],
    )
}

/// `app -> {auth, cache}`, both `-> db`.
pub(crate) fn diamond() -> DependencyGraph {
    graph(
        &["app", "auth", "cache", "db"],
        vec![
            Edge::new("app", "auth", Condition::Started),
            Edge::new("app", "cache", Condition::Healthy),
            Edge::new("auth", "db", Condition::Healthy),
            Edge::new("cache", "db", Condition::Started),
        ],
    )
}

/// `gateway` depends on sixteen workers, each depending on `config`.
pub(crate) fn wide_fan_out() -> DependencyGraph {
    let workers: Vec<String> = (0..16).map(|i| format!("worker-{i:02}")).collect();
    let mut services = vec!["gateway", "config"];
    services.extend(workers.iter().map(String::as_str));
    let mut edges = Vec::new();
    for worker in &workers {
        edges.push(Edge::new("gateway", worker.as_str(), Condition::Started));
        edges.push(Edge::new(worker.as_str(), "config", Condition::CompletedSuccessfully));
    }
    graph(&services, edges)
}

/// `step-49 -> step-48 -> ... -> step-00`, inserted root first.
pub(crate) fn deep_chain() -> DependencyGraph {
    let names: Vec<String> = (0..50).rev().map(|i| format!("step-{i:02}")).collect();
    let edges =
        names.windows(2).map(|pair| Edge::new(pair[0].as_str(), pair[1].as_str(), Condition::Started)).collect();
    let services: Vec<&str> = names.iter().map(String::as_str).collect();
    graph(&services, edges)
}

/// `web-api -> cache -> web-api`, with `web-api -> database` beside it.
pub(crate) fn cycle() -> DependencyGraph {
    graph(
        &["web-api", "cache", "database"],
        vec![
            Edge::new("web-api", "database", Condition::Healthy),
            Edge::new("web-api", "cache", Condition::Started),
            Edge::new("cache", "web-api", Condition::Started),
        ],
    )
}

/// `web -> api -> migrate`, where `migrate` is a one-shot task that may fail: a hard edge on
/// completion, so its failure must skip `api` and, through it, `web`.
pub(crate) fn failing_dependency() -> DependencyGraph {
    graph(
        &["web", "api", "migrate", "database"],
        vec![
            Edge::new("web", "api", Condition::Healthy),
            Edge { timeout_secs: Some(30), ..Edge::new("api", "migrate", Condition::CompletedSuccessfully) },
            Edge::new("migrate", "database", Condition::Healthy),
        ],
    )
}

/// `api -> database` (hard) and `api -> metrics` (soft, with an optional tunnel and an alias).
pub(crate) fn optional_dependency() -> DependencyGraph {
    graph(
        &["api", "database", "metrics"],
        vec![
            Edge::new("api", "database", Condition::Healthy).with_tunnel(TunnelMode::Required),
            Edge {
                env_alias: Some("METRICS_URL".to_owned()),
                ..Edge::new("api", "metrics", Condition::Started).optional().with_tunnel(TunnelMode::Optional)
            },
        ],
    )
}

/// `report -> slow-build` and a `quick-lint` beside a long `docs` job: levels hold back the
/// report, while starting by remaining path overlaps it with `docs`.
///
/// Durations: quick-lint 1 s, slow-build 1 s, docs 5 s, report 5 s.
pub(crate) fn uneven_levels() -> (DependencyGraph, HashMap<String, Duration>) {
    let graph = graph(
        &["report", "slow-build", "docs", "quick-lint"],
        vec![Edge::new("report", "slow-build", Condition::CompletedSuccessfully)],
    );
    (graph, durations(&[("quick-lint", 1), ("slow-build", 1), ("docs", 5), ("report", 5)]))
}

/// Durations in seconds, by service.
pub(crate) fn durations(pairs: &[(&str, u64)]) -> HashMap<String, Duration> {
    pairs.iter().map(|&(name, secs)| (name.to_owned(), Duration::from_secs(secs))).collect()
}
