//! Planning benchmark: a deterministic random DAG of 10,000 services and 30,000 edges; times the
//! graph queries and each built-in strategy's `plan` (median and p95 of 20 runs after warm-up) and
//! prints a markdown table. Target: every plan within 10 ms in release mode.
//!
//! Run: `cargo bench -p nexsock-core --bench plan`

use std::{
    collections::{HashMap, HashSet},
    error::Error,
    hint::black_box,
    time::{Duration, Instant},
};

use nexsock_core::{
    graph::{DependencyGraph, Edge},
    strategy::{PlanOptions, StrategyRegistry},
};
use nexsock_proto::{Condition, TunnelMode};

const SERVICES: usize = 10_000;
const EDGES: usize = 30_000;
const WARM_UP: usize = 3;
const RUNS: usize = 20;
const TARGET: Duration = Duration::from_millis(10);
const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

/// xorshift64: tiny, deterministic, good enough to shape a graph.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n`; `n` must not be 0.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn name(i: usize) -> String {
    format!("svc-{i:05}")
}

/// Service `i` only depends on services before it, so the graph is acyclic. Half the edges reach
/// one of the 64 services just before (deep chains), half anywhere before (wide levels).
fn random_edges(rng: &mut XorShift) -> Vec<Edge> {
    let mut seen = HashSet::with_capacity(EDGES);
    let mut edges = Vec::with_capacity(EDGES);
    while edges.len() < EDGES {
        let service = 1 + rng.below(SERVICES - 1);
        let depends_on = if rng.below(2) == 0 { service - 1 - rng.below(service.min(64)) } else { rng.below(service) };
        if !seen.insert((service, depends_on)) {
            continue;
        }
        let condition = match rng.below(4) {
            0 => Condition::Started,
            1 => Condition::Healthy,
            2 => Condition::CompletedSuccessfully,
            _ => Condition::LogReady,
        };
        let mut edge = Edge::new(name(service), name(depends_on), condition);
        edge.required = rng.below(10) != 0;
        if rng.below(20) == 0 {
            edge.tunnel_mode = TunnelMode::Optional;
        }
        edges.push(edge);
    }
    edges
}

/// Recorded durations for every other service, 50 ms to 2 s.
fn random_durations(rng: &mut XorShift) -> HashMap<String, Duration> {
    (0..SERVICES).step_by(2).map(|i| (name(i), Duration::from_millis(50 + rng.below(1950) as u64))).collect()
}

/// Median and p95 of `RUNS` timed calls, after `WARM_UP` untimed ones.
fn measure<T>(mut f: impl FnMut() -> T) -> (Duration, Duration) {
    for _ in 0..WARM_UP {
        black_box(f());
    }
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            black_box(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    let p95 = (RUNS * 95).div_ceil(100) - 1;
    (times[RUNS / 2], times[p95])
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
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
