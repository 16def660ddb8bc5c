//! Spawn throughput (issue 11, item 8): one start-batch of 100 services without health checks,
//! against a bare Rust loop that spawns the same `sh -c` command lines in new process groups
//! with piped output, side by side in one run.
//!
//! Each round first runs the bare loop (spawn 100, then kill their groups and reap them), then
//! has a real host (`Host::start` on a 2-worker runtime, as `nexsock daemon`) start all 100
//! services with one `StartChain` (the `concurrent` strategy, no bound) and times the request to
//! its report (every service ready, which without a health check means spawned), then stops them.
//! Reported: the median per-service time of each, and their ratio (target ≤ 1.2).
//!
//! `cargo bench -p nexsock-core --bench spawn` (`SPAWN_ROUNDS=N` overrides the 15 rounds).
//! Without `--bench` (e.g. `cargo test --benches`) it does a 1-round smoke test.

#![allow(missing_docs)]

mod common;

use std::{
    process::Stdio,
    time::{Duration, Instant},
};

use common::machine::loadavg;
use nexsock_core::{Host, Paths};
use nexsock_proto::{ChainRequest, Request, Response, RestartPolicy, ServiceSpec};

const SERVICES: usize = 100;
const DEFAULT_ROUNDS: usize = 15;
const TARGET_RATIO: f64 = 1.2;

fn command(i: usize) -> String {
    format!("exec sleep 1000 # svc{i}")
}

/// The bare loop: spawn every command line in its own group with piped output; the time to
/// spawn them all, per process.
async fn bare_loop() -> Duration {
    let started = Instant::now();
    let mut children = Vec::with_capacity(SERVICES);
    for i in 0..SERVICES {
        let child = tokio::process::Command::new("sh")
            .arg("-c")
            .arg(command(i))
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawning sh");
        children.push(child);
    }
    let per = started.elapsed() / u32::try_from(SERVICES).expect("100 fits");
    for child in &mut children {
        if let Some(pid) = child.id() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(i32::try_from(pid).expect("pid fits")),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        let _ = child.wait().await;
    }
    per
}

/// The host: one chain start of all the services; the time to its report, per service.
async fn host_batch(handle: &nexsock_core::engine::Handle, names: &[String]) -> Duration {
    let chain = ChainRequest {
        roots: names.to_vec(),
        strategy: Some("concurrent".into()),
        max_concurrent: None,
        rerun: Vec::new(),
        options: Default::default(),
    };
    let started = Instant::now();
    let report = handle.call(Request::StartChain(chain)).await.expect("the chain start");
    let per = started.elapsed() / u32::try_from(SERVICES).expect("100 fits");
    let Response::Execution(report) = report else { panic!("no report: {report:?}") };
    assert_eq!(report.services.len(), SERVICES, "every service started");
    handle.call(Request::StopAll).await.expect("stopping them");
    per
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full {
        std::env::var("SPAWN_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(DEFAULT_ROUNDS)
    } else {
        1
    };
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("the runtime");
    let load_before = loadavg();
    let (bare, host) = runtime.block_on(async {
        let dir = tempfile::Builder::new().prefix("nxspawn").tempdir_in("/tmp").expect("a temp dir");
        let host = Host::start(Paths::in_home(dir.path())).await.expect("starting the host");
        let handle = host.handle();
        let names: Vec<String> = (0..SERVICES).map(|i| format!("svc{i}")).collect();
        for (i, name) in names.iter().enumerate() {
            let spec = ServiceSpec {
                name: name.clone(),
                command: command(i),
                cwd: None,
                port: None,
                env: std::collections::BTreeMap::new(),
                health: None,
                restart: RestartPolicy::No,
                startup_timeout_secs: 10,
                stop_grace_secs: 2,
                inherit: None,
                tags: Vec::new(),
            };
            handle.call(Request::AddService(spec)).await.expect("adding a service");
        }
        let (mut bare, mut batch) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            bare.push(bare_loop().await);
            batch.push(host_batch(&handle, &names).await);
        }
        host.shutdown().await;
        (median(bare), median(batch))
    });
    let ratio = host.as_secs_f64() / bare.as_secs_f64();
    println!("spawn throughput, {SERVICES} services per batch, {rounds} rounds (medians):");
    println!("  bare loop (sh -c, own group, piped output): {:>7.3} ms per process", bare.as_secs_f64() * 1e3);
    println!("  nexsock start-batch (no health check):      {:>7.3} ms per service", host.as_secs_f64() * 1e3);
    println!(
        "  ratio: {ratio:.2} (target <= {TARGET_RATIO}) {}",
        if ratio <= TARGET_RATIO { "MET" } else { "NOT MET" }
    );
    println!("load average (1/5/15 min) before: {load_before}; after: {}", loadavg());
}
