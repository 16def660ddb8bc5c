//! Planning benchmark: a deterministic random DAG of 10,000 services and 30,000 edges; times the
//! graph queries and each built-in strategy's `plan` (median and p95 of 20 runs after warm-up) and
//! prints a markdown table. Target: every plan within 10 ms in release mode.
//!
//! Run: `cargo bench -p nexsock-core --bench plan`

mod common;

use std::{
    collections::{HashMap, HashSet},
    error::Error,
    time::Duration,
};

use common::{RUNS, SEED, SERVICES, WARM_UP, machine::XorShift, measure, ms, name, random_edges};
use nexsock_core::{
    graph::DependencyGraph,
    strategy::{PlanOptions, StrategyRegistry},
};

const TARGET: Duration = Duration::from_millis(10);

/// Recorded durations for every other service, 50 ms to 2 s.
fn random_durations(rng: &mut XorShift) -> HashMap<String, Duration> {
    (0..SERVICES).step_by(2).map(|i| (name(i), Duration::from_millis(50 + rng.below(1950) as u64))).collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut rng = XorShift(SEED);
    let services: Vec<String> = (0..SERVICES).map(name).collect();
    let edges = random_edges(&mut rng);
    let durations = random_durations(&mut rng);

    let mut rows: Vec<(String, (Duration, Duration), bool)> = Vec::new();
    rows.push((
        "build graph (from_parts)".into(),
        measure(|| DependencyGraph::from_parts(&services, edges.iter().cloned())),
        false,
    ));
    let graph = DependencyGraph::from_parts(&services, edges)?;
    let dependencies: HashSet<String> = graph.edges().into_iter().map(|e| e.depends_on).collect();
    let roots: Vec<String> = services.iter().filter(|s| !dependencies.contains(*s)).cloned().collect();
    let levels = graph.levels()?.len();

    rows.push(("topological_order".into(), measure(|| graph.topological_order()), true));
    rows.push(("levels".into(), measure(|| graph.levels()), true));
    rows.push(("critical_path".into(), measure(|| graph.critical_path(&durations)), true));
    rows.push(("subgraph_for_many(all roots)".into(), measure(|| graph.subgraph_for_many(&roots)), false));

    let registry = StrategyRegistry::with_builtins();
    let options = PlanOptions { max_concurrent: Some(8), durations: durations.clone() };
    let mut actions = Vec::new();
    for strategy in registry.names() {
        let plan = registry.plan(strategy, &graph, &roots, &options)?;
        actions.push(format!("{strategy} {}", plan.steps.iter().map(|s| s.actions.len()).sum::<usize>()));
        rows.push((format!("plan `{strategy}`"), measure(|| registry.plan(strategy, &graph, &roots, &options)), true));
    }

    println!(
        "Graph: {} services, {} edges, {levels} levels, {} roots (services nothing depends on); \
         plans start all roots with max_concurrent 8 and {} recorded durations.",
        graph.service_count(),
        graph.edge_count(),
        roots.len(),
        durations.len()
    );
    println!("Actions per plan: {}.", actions.join(", "));
    println!("Median and p95 of {RUNS} runs after {WARM_UP} warm-up runs.\n");
    println!("| operation | median (ms) | p95 (ms) | ≤ 10 ms |");
    println!("|---|---:|---:|---|");
    for (label, (median, p95), targeted) in rows {
        let verdict = match (targeted, p95 <= TARGET) {
            (false, _) => "n/a",
            (true, true) => "yes",
            (true, false) => "NO",
        };
        println!("| {label} | {} | {} | {verdict} |", ms(median), ms(p95));
    }
    Ok(())
}
