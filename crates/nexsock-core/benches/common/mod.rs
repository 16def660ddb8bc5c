//! What the `plan` and `graph_load` benches share: the one 10,000-service / 30,000-edge DAG both
//! time (same seed, same shape), and how they time an operation.

#![allow(dead_code)] // each bench uses its part

pub mod machine;

use std::{
    collections::HashSet,
    hint::black_box,
    time::{Duration, Instant},
};

use machine::XorShift;
use nexsock_core::graph::Edge;
use nexsock_proto::{Condition, TunnelMode};

pub const SERVICES: usize = 10_000;
pub const EDGES: usize = 30_000;
pub const WARM_UP: usize = 3;
pub const RUNS: usize = 20;
pub const SEED: u64 = 0x9E37_79B9_7F4A_7C15;

pub fn name(i: usize) -> String {
    format!("svc-{i:05}")
}

/// Service `i` only depends on services before it, so the graph is acyclic. Half the edges reach
/// one of the 64 services just before (deep chains), half anywhere before (wide levels).
pub fn random_edges(rng: &mut XorShift) -> Vec<Edge> {
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

/// Median and p95 of `RUNS` timed calls, after `WARM_UP` untimed ones.
pub fn measure<T>(mut f: impl FnMut() -> T) -> (Duration, Duration) {
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

pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1000.0)
}
