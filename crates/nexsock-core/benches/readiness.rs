//! Readiness detection latency (issue 2, item 9): the time from the moment a service's port opens
//! (or its ready line is printed) to the moment the host marks it ready, for the `tcp`, `http:/`
//! and `log:` probes.
//!
//! A real host runs in-process ([`Host::start`] on a 2-worker runtime, as `nexsock daemon`) with
//! one service per probe kind: `benches/ready_service.py`, which waits a random 20–200 ms, opens
//! its port (or prints its ready line) and prints `opened_ns=BEFORE AFTER`, `time.time_ns()` read
//! right before and right after listen() / the write of the ready line. A subscriber thread stamps
//! the wall clock (`SystemTime`, the same clock as Python's) when the `ServiceChanged` event with
//! state `ready` arrives. Latency is `ready_seen - BEFORE`: an upper bound, since the port cannot
//! open before listen() is called. (On 2 cores the helper is sometimes preempted right after
//! listen()/write for milliseconds, so `AFTER` would understate latency, even below zero; the
//! table shows the widest `AFTER - BEFORE` seen.) Each run starts the service, waits for both
//! stamps and stops it; the kinds take turns so that machine noise spreads evenly over them.
//!
//! `cargo bench -p nexsock-core --bench readiness` (`READINESS_RUNS=N` overrides the 120 runs per
//! kind). Without `--bench` (e.g. `cargo test --benches`) it does a 3-run smoke test.

#![allow(missing_docs)]

mod common;

use std::{
    collections::BTreeMap,
    path::Path,
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use common::machine::loadavg;
use nexsock_core::{Host, Paths};
use nexsock_proto::{Event, HealthCheck, Request, RestartPolicy, ServiceSpec, ServiceState};
use tokio::sync::{broadcast::error::RecvError, mpsc};

/// Runs per probe kind unless `READINESS_RUNS` says otherwise.
const DEFAULT_RUNS: usize = 120;
/// The target for p99, in milliseconds.
const TARGET_P99_MS: f64 = 10.0;
/// How long one run may take before the benchmark gives up on it.
const RUN_TIMEOUT: Duration = Duration::from_secs(10);

/// What the subscriber thread saw, per service.
#[derive(Debug)]
enum Stamp {
    /// The host's `ready` event arrived at this wall-clock time (ns since the epoch).
    Ready(i128),
    /// The service reported that its port opened between these two moments (ns since the epoch).
    Opened(i128, i128),
    /// The `http` service received its first GET at this moment (ns since the epoch).
    Get(i128),
}

/// The probe kinds measured: label, health check, the helper's mode.
fn kinds() -> Vec<(&'static str, HealthCheck, &'static str)> {
    vec![
        ("tcp", HealthCheck::Tcp, "tcp"),
        ("http:/", HealthCheck::Http { path: "/".into() }, "http"),
        ("log:^service ready$", HealthCheck::Log { pattern: "^service ready$".into() }, "log"),
    ]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full {
        std::env::var("READINESS_RUNS").ok().and_then(|r| r.parse().ok()).unwrap_or(DEFAULT_RUNS)
    } else {
        3
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("building the tokio runtime");
    let load_before = loadavg();
    let results = runtime.block_on(measure(runs));
    print_table(&results, runs);
    println!();
    println!("load average (1/5/15 min) before: {load_before}; after: {}", loadavg());
}

fn now_ns() -> i128 {
    i128::try_from(SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_nanos())
        .expect("ns since the epoch fit in i128")
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("binding 127.0.0.1:0").port()
}

async fn measure(runs: usize) -> BTreeMap<&'static str, Samples> {
    let dir = tempfile::Builder::new().prefix("nxbench").tempdir_in("/tmp").expect("creating a temp dir");
    let host = Host::start(Paths::in_home(dir.path())).await.expect("starting the host");
    let handle = host.handle();

    // The subscriber: a thread of its own, so that stamping does not wait for a runtime worker.
    let mut events = handle.subscribe();
    let (stamps_tx, mut stamps) = mpsc::unbounded_channel::<(String, Stamp)>();
    let subscriber = std::thread::spawn(move || {
        loop {
            match events.blocking_recv() {
                Ok(Event::ServiceChanged(status)) if status.state == ServiceState::Ready => {
                    let at = now_ns();
                    let _ = stamps_tx.send((status.name, Stamp::Ready(at)));
                }
                Ok(Event::Log { service, line }) => {
                    let opened = line.text.strip_prefix("opened_ns=").and_then(|rest| rest.split_once(' '));
                    if let Some((Ok(before), Ok(after))) = opened.map(|(b, a)| (b.parse(), a.parse())) {
                        let _ = stamps_tx.send((service, Stamp::Opened(before, after)));
                    } else if let Some(Ok(at)) = line.text.strip_prefix("get_ns=").map(str::parse) {
                        let _ = stamps_tx.send((service, Stamp::Get(at)));
                    }
                }
                Ok(Event::HostStopping) | Err(RecvError::Closed) => return,
                Ok(_) => {}
                Err(RecvError::Lagged(n)) => panic!("the subscriber fell {n} events behind"),
            }
        }
    });

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/ready_service.py");
    let kinds = kinds();
    for (i, (_, check, mode)) in kinds.iter().enumerate() {
        let port = free_port();
        let spec = ServiceSpec {
            name: format!("probe-{mode}"),
            command: format!("exec python3 -u {} {mode} {port}", script.display()),
            cwd: None,
            port: Some(u32::from(port)),
            env: BTreeMap::new(),
            health: Some(check.clone()),
            restart: RestartPolicy::No,
            startup_timeout_secs: 10,
            stop_grace_secs: 2,
            inherit: None,
            tags: Vec::new(),
        };
        handle.call(Request::AddService(spec)).await.unwrap_or_else(|e| panic!("adding service {i}: {e}"));
    }

    let mut results: BTreeMap<&'static str, Samples> = BTreeMap::new();
    for run in 0..runs {
        for (label, _, mode) in &kinds {
            let name = format!("probe-{mode}");
            while stamps.try_recv().is_ok() {}
            handle
                .call(Request::StartService { name: name.clone() })
                .await
                .unwrap_or_else(|e| panic!("run {run}: starting {name}: {e}"));
            let (mut ready, mut opened, mut get) = (None, None, None);
            let (ready, opened) = loop {
                if let (Some(r), Some(o)) = (ready, opened)
                    && (get.is_some() || *mode != "http")
                {
                    break (r, o);
                }
                let (service, stamp) = tokio::time::timeout(RUN_TIMEOUT, stamps.recv())
                    .await
                    .unwrap_or_else(|_| panic!("run {run}: {name}: no ready/opened stamp within {RUN_TIMEOUT:?}"))
                    .expect("the subscriber thread ended early");
                if service != name {
                    continue;
                }
                match stamp {
                    Stamp::Ready(at) => ready = ready.or(Some(at)),
                    Stamp::Opened(before, after) => opened = opened.or(Some((before, after))),
                    Stamp::Get(at) => get = get.or(Some(at)),
                }
            };
            let (before, after) = opened;
            let samples = results.entry(label).or_default();
            samples.latency_ms.push(ns_to_ms(ready - before));
            samples.widest_bracket_ms = samples.widest_bracket_ms.max(ns_to_ms(after - before));
            if let Some(get) = get {
                samples.split_ms.push((ns_to_ms(get - before), ns_to_ms(ready - get)));
            }
            // The only running service: `StopAll` stops it and answers once it is gone.
            handle.call(Request::StopAll).await.unwrap_or_else(|e| panic!("run {run}: stopping {name}: {e}"));
        }
    }

    host.shutdown().await;
    subscriber.join().expect("the subscriber thread panicked");
    results
}

/// What one probe kind measured.
#[derive(Debug, Default)]
struct Samples {
    /// `ready_seen - BEFORE` of each run, in ms.
    latency_ms: Vec<f64>,
    /// The widest `AFTER - BEFORE` of any run, in ms.
    widest_bracket_ms: f64,
    /// `http` only: (port open -> first GET received, first GET received -> ready seen), in ms.
    split_ms: Vec<(f64, f64)>,
}

/// i128 ns to f64 ms: exact enough for microsecond differences.
#[allow(clippy::cast_precision_loss)]
fn ns_to_ms(ns: i128) -> f64 {
    ns as f64 / 1e6
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss, clippy::cast_precision_loss)]
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn print_table(results: &BTreeMap<&'static str, Samples>, runs: usize) {
    println!("readiness detection latency (port open / ready line -> host's ready event), {runs} runs per probe");
    println!();
    println!(
        "| probe | runs | min | p50 | p95 | p99 | max | widest stamp bracket | target p99 <= {TARGET_P99_MS} ms |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (label, _, _) in kinds() {
        let Some(samples) = results.get(label).filter(|s| !s.latency_ms.is_empty()) else { continue };
        let mut v = samples.latency_ms.clone();
        v.sort_by(f64::total_cmp);
        let p99 = percentile(&v, 99.0);
        println!(
            "| `{label}` | {} | {:.2} ms | {:.2} ms | {:.2} ms | {p99:.2} ms | {:.2} ms | {:.2} ms | {} |",
            v.len(),
            v[0],
            percentile(&v, 50.0),
            percentile(&v, 95.0),
            v[v.len() - 1],
            samples.widest_bracket_ms,
            if p99 <= TARGET_P99_MS { "met" } else { "MISSED" }
        );
    }
    for (label, samples) in results.iter().filter(|(_, s)| !s.split_ms.is_empty()) {
        let mut to_get: Vec<f64> = samples.split_ms.iter().map(|s| s.0).collect();
        let mut to_ready: Vec<f64> = samples.split_ms.iter().map(|s| s.1).collect();
        to_get.sort_by(f64::total_cmp);
        to_ready.sort_by(f64::total_cmp);
        println!();
        println!(
            "`{label}` split: port open -> first GET received p50 {:.2} / p99 {:.2} / max {:.2} ms; \
             first GET received -> ready event p50 {:.2} / p99 {:.2} / max {:.2} ms",
            percentile(&to_get, 50.0),
            percentile(&to_get, 99.0),
            to_get[to_get.len() - 1],
            percentile(&to_ready, 50.0),
            percentile(&to_ready, 99.0),
            to_ready[to_ready.len() - 1],
        );
    }
}
