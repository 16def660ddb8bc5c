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

mod common;

use std::{
    collections::{HashMap, HashSet},
    error::Error,
    time::{Duration, Instant},
};

use common::{RUNS, SEED, SERVICES, WARM_UP, machine::XorShift, measure, ms, name, random_edges};
use nexsock_core::{
    graph::{DependencyGraph, Edge},
    store::{Store, StoredEdge},
    strategy::{PlanOptions, StrategyRegistry},
};
use rusqlite::params;

const TARGET: Duration = Duration::from_millis(50);

/// Bulk insert through one transaction with prepared statements; service `i` gets id `i + 1`.
fn fill(store: &Store, edges: &[Edge]) -> Result<(), Box<dyn Error>> {
    let ids: HashMap<String, i64> = (0..SERVICES).map(|i| (name(i), i as i64 + 1)).collect();
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
                ids[&e.service],
                ids[&e.depends_on],
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
