//! Makespan benchmark (issue 3, item 7): each start strategy on a 50-service DAG of real
//! processes with known startup delays, through the real `nexsock` binary.
//!
//! Every service runs `sleep D; echo ready; exec sleep 100000` with `health = "log:^ready$"`,
//! with a deterministic delay D in 0.050..=0.500 s. The DAG is deterministic (xorshift): a few
//! services without dependencies, every other one depending on 1-3 of the 12 services before it,
//! and a final `top` that depends on every service nothing else depends on, so
//! `start-chain top` covers all 50. The critical path (the longest sum of delays along a
//! dependency path) is computed here from the same DAG; so are the ideal makespans of
//! `sequential` (the sum of all delays) and `parallel-safe` (the sum over levels of the level's
//! longest delay).
//!
//! `nexsock daemon` runs in a temp `NEXSOCK_HOME`, in its own process group; the stack is created
//! with `nexsock apply -f stack.toml`. One unmeasured `concurrent` start warms up; then each
//! round runs, after `nexsock service stop --all`, `nexsock service start-chain top --strategy S
//! --json` for `sequential`, `parallel-safe`, `concurrent` and `critical-path` (unbounded), then
//! `critical-path` and `parallel-safe` with `--max-concurrent 2`. The makespan is the report's
//! `total_ms`; each figure is the median of 3 rounds. `critical-path` weighs services by the
//! spawn-to-ready times the host recorded in earlier runs (its `service_run` table): by its first
//! run, the warm-up and the other strategies of the round have recorded them for every service.
//! A drop guard runs `nexsock shutdown` and SIGKILLs the daemon's group, also on panic.
//!
//! `cargo bench -p nexsock-cli --bench makespan` (cargo builds target/release/nexsock for it;
//! `NEXSOCK_BIN` overrides the binary). Without `--bench` (e.g. `cargo test --benches`) it does a
//! small smoke run. Target: `concurrent` makespan / critical path <= 1.05.

#![allow(clippy::unwrap_used, missing_docs)]

use std::{fmt::Write as _, time::Instant};

use serde_json::Value;

mod common;

use common::{Daemon, machine::XorShift, nexsock_bin};

const TARGET_CONCURRENT_RATIO: f64 = 1.05;
const SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// The sizes of a full run and of the smoke run.
struct Sizes {
    services: usize,
    rounds: usize,
}

const FULL: Sizes = Sizes { services: 50, rounds: 3 };
const SMOKE: Sizes = Sizes { services: 8, rounds: 1 };

/// The measured configurations, in the order each round runs them.
const RUNS: [(&str, Option<usize>); 6] = [
    ("sequential", None),
    ("parallel-safe", None),
    ("concurrent", None),
    ("critical-path", None),
    ("critical-path", Some(2)),
    ("parallel-safe", Some(2)),
];

/// The services (index order is a topological order) with delays and dependencies.
struct Dag {
    names: Vec<String>,
    delay_ms: Vec<u64>,
    deps: Vec<Vec<usize>>,
}

impl Dag {
    /// Services `0..n-1` are `svc-NN`; the last is `top`. The first few have no dependencies;
    /// each later one depends on 1-3 distinct services among the 12 before it; `top` depends on
    /// every service nothing else depends on.
    fn random(n: usize, rng: &mut XorShift) -> Self {
        let starts = (n / 12).max(2);
        let mut names: Vec<String> = (0..n - 1).map(|i| format!("svc-{i:02}")).collect();
        names.push("top".into());
        let delay_ms = (0..n).map(|_| 50 + rng.below(451) as u64).collect();
        let mut deps: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, d) in deps.iter_mut().enumerate().take(n - 1).skip(starts) {
            let window = i.min(12);
            let want = (1 + rng.below(3)).min(window);
            while d.len() < want {
                let dep = i - 1 - rng.below(window);
                if !d.contains(&dep) {
                    d.push(dep);
                }
            }
            d.sort_unstable();
        }
        let mut has_dependent = vec![false; n];
        for d in &deps {
            for &j in d {
                has_dependent[j] = true;
            }
        }
        deps[n - 1] = (0..n - 1).filter(|&i| !has_dependent[i]).collect();
        Self { names, delay_ms, deps }
    }

    fn edge_count(&self) -> usize {
        self.deps.iter().map(Vec::len).sum()
    }

    /// The longest sum of delays along a dependency path, and that path (first to last).
    fn critical_path(&self) -> (u64, Vec<usize>) {
        let n = self.names.len();
        let mut finish = vec![0u64; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        for i in 0..n {
            let best = self.deps[i].iter().copied().max_by_key(|&j| finish[j]);
            finish[i] = best.map_or(0, |j| finish[j]) + self.delay_ms[i];
            via[i] = best;
        }
        let mut end = (0..n).max_by_key(|&i| finish[i]).unwrap();
        let total = finish[end];
        let mut path = vec![end];
        while let Some(prev) = via[end] {
            path.push(prev);
            end = prev;
        }
        path.reverse();
        (total, path)
    }

    /// Longest-path depth of each service (0 = no dependencies).
    fn levels(&self) -> Vec<usize> {
        let mut level = vec![0; self.names.len()];
        for i in 0..self.names.len() {
            level[i] = self.deps[i].iter().map(|&j| level[j] + 1).max().unwrap_or(0);
        }
        level
    }

    /// Ideal `parallel-safe` makespan: each level takes its longest delay.
    fn level_sum(&self) -> u64 {
        let level = self.levels();
        let count = level.iter().max().map_or(0, |m| m + 1);
        (0..count)
            .map(|l| (0..self.names.len()).filter(|&i| level[i] == l).map(|i| self.delay_ms[i]).max().unwrap())
            .sum()
    }

    fn stack_toml(&self) -> String {
        let mut out = String::from("# Generated by the makespan bench.\n");
        for i in 0..self.names.len() {
            let secs = self.delay_ms[i] as f64 / 1000.0;
            let deps: Vec<String> = self.deps[i].iter().map(|&j| format!("\"{}\"", self.names[j])).collect();
            writeln!(
                out,
                "\n[services.{}]\ncommand = \"sleep {secs:.3}; echo ready; exec sleep 100000\"\n\
                 health = \"log:^ready$\"\nstartup_timeout = 30\nstop_grace = 2\ndepends_on = [{}]",
                self.names[i],
                deps.join(", ")
            )
            .unwrap();
        }
        out
    }
}

/// One measured start.
struct Run {
    total_ms: u64,
    /// Each service's spawn-to-ready time minus its sleep: what supervision and readiness cost.
    overhead_ms: Vec<i64>,
}

/// `stop --all`, then one chain start of `top`; checks every service became ready.
fn start_chain(daemon: &Daemon, dag: &Dag, strategy: &str, max_concurrent: Option<usize>) -> Run {
    daemon.ok(&["service", "stop", "--all"]);
    let limit = max_concurrent.map(|m| m.to_string());
    let mut args = vec!["service", "start-chain", "top", "--strategy", strategy, "--json"];
    if let Some(limit) = &limit {
        args.extend(["--max-concurrent", limit]);
    }
    let report: Value = serde_json::from_str(&daemon.ok(&args)).expect("start-chain --json prints JSON");
    assert_eq!(report["status"], "completed", "{strategy}: {report}");
    let services = report["services"].as_array().unwrap();
    assert_eq!(services.len(), dag.names.len(), "{strategy}: every service is in the chain");
    let overhead_ms = services
        .iter()
        .map(|s| {
            assert_eq!(s["state"], "ready", "{strategy}: {s}");
            let i = dag.names.iter().position(|n| s["name"] == n.as_str()).unwrap();
            let spawn_to_ready = s["ready_ms"].as_i64().unwrap() - s["spawned_ms"].as_i64().unwrap();
            spawn_to_ready - dag.delay_ms[i] as i64
        })
        .collect();
    Run { total_ms: report["total_ms"].as_u64().unwrap(), overhead_ms }
}

fn median<T: Ord + Copy>(values: &[T]) -> T {
    let mut v = values.to_vec();
    v.sort_unstable();
    v[v.len() / 2]
}

#[allow(clippy::cast_precision_loss)]
fn ratio(a: u64, b: u64) -> f64 {
    a as f64 / b as f64
}

fn main() {
    let sizes = if std::env::args().any(|a| a == "--bench") { FULL } else { SMOKE };
    let started = Instant::now();
    let dag = Dag::random(sizes.services, &mut XorShift(SEED));
    let (critical_ms, critical) = dag.critical_path();
    let sum_ms: u64 = dag.delay_ms.iter().sum();
    let level_sum_ms = dag.level_sum();
    let levels = dag.levels().into_iter().max().unwrap_or(0) + 1;

    let bin = nexsock_bin();
    let daemon = Daemon::spawn(&bin, "mk");
    daemon.wait_until_answering();
    let stack = daemon.home.join("stack.toml");
    std::fs::write(&stack, dag.stack_toml()).unwrap();
    daemon.ok(&["apply", "-f", stack.to_str().unwrap()]);

    // Warm-up (page cache, first spawns) and the first recorded durations.
    start_chain(&daemon, &dag, "concurrent", None);
    let mut results: Vec<Vec<Run>> = RUNS.iter().map(|_| Vec::new()).collect();
    for _ in 0..sizes.rounds {
        for (k, &(strategy, limit)) in RUNS.iter().enumerate() {
            results[k].push(start_chain(&daemon, &dag, strategy, limit));
        }
    }
    drop(daemon);

    println!(
        "DAG: {} services, {} edges, {levels} levels; delays 50-500 ms, sum {sum_ms} ms; critical path {critical_ms} ms \
         over {} services ({}).",
        dag.names.len(),
        dag.edge_count(),
        critical.len(),
        critical.iter().map(|&i| format!("{} {} ms", dag.names[i], dag.delay_ms[i])).collect::<Vec<_>>().join(" -> ")
    );
    println!(
        "Makespan = `total_ms` of `nexsock service start-chain top --strategy S --json`, median of {} rounds \
         (after one warm-up start); overhead = spawn-to-ready minus the service's sleep, median (max) over \
         all services of all rounds.\n",
        sizes.rounds
    );
    println!(
        "| strategy | --max-concurrent | makespan (ms) | runs (ms) | / critical path | ideal (ms) | / ideal | overhead per service (ms) | target |"
    );
    println!("|---|---:|---:|---|---:|---:|---:|---:|---|");
    for (k, &(strategy, limit)) in RUNS.iter().enumerate() {
        let totals: Vec<u64> = results[k].iter().map(|r| r.total_ms).collect();
        let overheads: Vec<i64> = results[k].iter().flat_map(|r| r.overhead_ms.iter().copied()).collect();
        let makespan = median(&totals);
        let (ideal, ideal_note) = match (strategy, limit) {
            ("sequential", _) => (sum_ms, ""),
            ("parallel-safe", None) => (level_sum_ms, ""),
            (_, None) => (critical_ms, ""),
            // A lower bound: 2 slots cannot do better than half the total work.
            (_, Some(m)) => (critical_ms.max(sum_ms.div_ceil(m as u64)), " (bound)"),
        };
        let target = match (strategy, limit) {
            ("concurrent", None) if ratio(makespan, critical_ms) <= TARGET_CONCURRENT_RATIO => "<= 1.05: met",
            ("concurrent", None) => "<= 1.05: MISSED",
            _ => "",
        };
        println!(
            "| {strategy} | {} | {makespan} | {} | {:.3} | {ideal}{ideal_note} | {:.3} | {} ({}) | {target} |",
            limit.map_or("-".to_owned(), |m| m.to_string()),
            totals.iter().map(u64::to_string).collect::<Vec<_>>().join(", "),
            ratio(makespan, critical_ms),
            ratio(makespan, ideal),
            median(&overheads),
            overheads.iter().max().unwrap(),
        );
    }
    let at_two = |strategy: &str| {
        let k = RUNS.iter().position(|&(s, l)| s == strategy && l == Some(2)).unwrap();
        median(&results[k].iter().map(|r| r.total_ms).collect::<Vec<_>>())
    };
    let (cp, ps) = (at_two("critical-path"), at_two("parallel-safe"));
    println!(
        "\nAt --max-concurrent 2: critical-path {cp} ms vs parallel-safe {ps} ms ({:.3}; critical-path <= parallel-safe: {}).",
        ratio(cp, ps),
        if cp <= ps { "yes" } else { "NO" }
    );
    println!("Total bench time {:.0} s.", started.elapsed().as_secs_f64());
}
