//! Graph-load benchmark (issue 3, item 7): loading a root's dependency sub-graph from SQLite at
//! 10,000 services and 30,000 edges. Target: within 50 ms in release mode.
//!
//! A temp database is created with [`Store::open`] (migrations, WAL, as the host opens it) and
//! filled in one transaction with the same deterministic random DAG as the `plan` bench (same
//! seed and shape: service `i` only depends on services before it). Then it times, as median and
//! p95 of 20 runs after 3 warm-up runs on the long-lived connection the host keeps:
//!
//! - `Store::load_subgraph_edges(&[root])`, the one recursive SQL query, for a root near the top
//!   (its sub-graph is most of the graph), a mid root and a small root;
//! - the whole path `start_chain` takes before it executes anything: that load, the recorded
//!   durations, `DependencyGraph::from_parts` from the stored edges, and the `concurrent` plan;
//! - the same load on a freshly opened connection (open + first query), for comparison.
//!
//! Run: `cargo bench -p nexsock-core --bench graph_load`

#![allow(clippy::unwrap_used, missing_docs)]

use std::{
    collections::HashSet,
    error::Error,
    hint::black_box,
    time::{Duration, Instant},
};

use nexsock_core::{
    graph::{DependencyGraph, Edge},
    store::{Store, StoredEdge},
    strategy::{PlanOptions, StrategyRegistry},
};
use nexsock_proto::{Condition, TunnelMode};
use rusqlite::params;

const SERVICES: usize = 10_000;
const EDGES: usize = 30_000;
const WARM_UP: usize = 3;
const RUNS: usize = 20;
const TARGET: Duration = Duration::from_millis(50);
/// The `plan` bench's seed, so both benches use the same graph.
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

/// One generated edge: indices and attributes.
struct GenEdge {
    service: usize,
    depends_on: usize,
    condition: Condition,
    required: bool,
    tunnel_mode: TunnelMode,
}

/// Exactly the `plan` bench's generator: service `i` only depends on services before it, so the
/// graph is acyclic. Half the edges reach one of the 64 services just before (deep chains), half
/// anywhere before (wide levels).
fn random_edges(rng: &mut XorShift) -> Vec<GenEdge> {
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
        let required = rng.below(10) != 0;
        let tunnel_mode = if rng.below(20) == 0 { TunnelMode::Optional } else { TunnelMode::None };
        edges.push(GenEdge { service, depends_on, condition, required, tunnel_mode });
    }
    edges
}

/// Bulk insert through one transaction with prepared statements; service `i` gets id `i + 1`.
fn fill(store: &Store, edges: &[GenEdge]) -> Result<(), Box<dyn Error>> {
    let tx = store.conn().unchecked_transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO service (id, name, command, health_check, created_at, updated_at)
             VALUES (?1, ?2, 'sleep 100000', 'log:^ready$', 0, 0)",
        )?;
        for i in 0..SERVICES {
            insert.execute(params![i as i64 + 1, name(i)])?;
        }
        let mut insert = tx.prepare(
            "INSERT INTO service_dependency (service_id, depends_on_id, condition, required, tunnel_mode)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for e in edges {
            insert.execute(params![
                e.service as i64 + 1,
                e.depends_on as i64 + 1,
                e.condition.as_db(),
                e.required,
                e.tunnel_mode.as_str()
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// What `start_chain` does before it executes: load, durations, graph, plan.
fn engine_path(store: &Store, registry: &StrategyRegistry, roots: &[String]) -> Result<usize, Box<dyn Error>> {
    let edges = store.load_subgraph_edges(roots)?;
    let mut services: Vec<&str> = roots.iter().map(String::as_str).collect();
    services.extend(edges.iter().flat_map(|e| [e.service.as_str(), e.depends_on.as_str()]));
    let graph = DependencyGraph::from_parts(services, edges.iter().map(Edge::from))?;
    let options = PlanOptions { max_concurrent: None, durations: store.recent_durations()? };
    let plan = registry.plan("concurrent", &graph, roots, &options)?;
    Ok(plan.steps.len())
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

/// Services and edges of a loaded sub-graph.
fn size(root: &str, edges: &[StoredEdge]) -> (usize, usize) {
    let mut services: HashSet<&str> = HashSet::from([root]);
    services.extend(edges.iter().flat_map(|e| [e.service.as_str(), e.depends_on.as_str()]));
    (services.len(), edges.len())
}

fn main() -> Result<(), Box<dyn Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("nexsock.db");
    let store = Store::open(&path)?;
    let edges = random_edges(&mut XorShift(SEED));
    let started = Instant::now();
    fill(&store, &edges)?;
    let fill_time = started.elapsed();

    let registry = StrategyRegistry::with_builtins();
    let roots = [("top", SERVICES - 1), ("mid", SERVICES / 2), ("small", 100)];
    let mut rows: Vec<(String, String, (Duration, Duration))> = Vec::new();
    for (label, index) in roots {
        let root = vec![name(index)];
        let loaded = store.load_subgraph_edges(&root)?;
        let (services, edge_count) = size(&root[0], &loaded);
        let sub = format!("{services} / {edge_count}");
        rows.push((
            format!("`load_subgraph_edges`, {label} root `{}`", root[0]),
            sub.clone(),
            measure(|| store.load_subgraph_edges(&root).unwrap()),
        ));
        rows.push((
            format!("load + durations + `from_parts` + plan `concurrent`, {label} root"),
            sub.clone(),
            measure(|| engine_path(&store, &registry, &root).unwrap()),
        ));
        if label == "top" {
            rows.push((
                format!("fresh connection: `Store::open` + `load_subgraph_edges`, {label} root"),
                sub,
                measure(|| Store::open(&path).unwrap().load_subgraph_edges(&root).unwrap()),
            ));
        }
    }

    println!(
        "Database: {SERVICES} services, {} edges (the `plan` bench's graph), filled in {} ms; \
         file-backed, WAL, as `Store::open` sets it up.",
        edges.len(),
        fill_time.as_millis()
    );
    println!("Median and p95 of {RUNS} runs after {WARM_UP} warm-up runs.\n");
    println!("| operation | sub-graph (services / edges) | median (ms) | p95 (ms) | ≤ 50 ms |");
    println!("|---|---:|---:|---:|---|");
    for (label, sub, (median, p95)) in rows {
        let verdict = if p95 <= TARGET { "yes" } else { "NO" };
        println!("| {label} | {sub} | {} | {} | {verdict} |", ms(median), ms(p95));
    }
    Ok(())
}
