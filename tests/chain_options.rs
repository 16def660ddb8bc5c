//! The switches of a chain start: a timeout for the whole chain, fail-fast against keep-going,
//! no health checks for a smoke start, and no tunnels — each recorded with the execution.

use std::time::{Duration, Instant};

use nexsock_tests::{TestHost, wait_for};
use serde_json::Value;

const T: Duration = Duration::from_secs(20);

fn add(host: &TestHost, name: &str, command: &str, health: Option<&str>) {
    let mut args = vec!["service", "add", name, "--command", command];
    if let Some(h) = health {
        args.extend(["--health", h]);
    }
    host.ok(args);
}

/// Runs a chain start with `--json`: whether it succeeded, and its report.
fn chain(host: &TestHost, args: &[&str]) -> (bool, Value) {
    let mut all = vec!["service"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = host.run(&all);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("no JSON report ({e}): {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.success(), report)
}

fn step<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name}"))
}

#[test]
fn a_chain_timeout_stops_what_is_still_starting_and_ends_timed_out() {
    let host = TestHost::start();
    add(&host, "db", "echo ready; exec sleep 1000", Some("log:^ready$"));
    add(&host, "hang", "exec sleep 1000", Some("log:^never$"));
    add(&host, "web", "exec sleep 1000", None);
    host.ok(["dependency", "add", "hang", "--depends-on", "db"]);
    host.ok(["dependency", "add", "web", "--depends-on", "hang"]);
    let started = Instant::now();
    let (ok, report) = chain(&host, &["start-chain", "web", "--timeout", "3"]);
    let took = started.elapsed();
    assert!(!ok, "{report}");
    assert!(took < Duration::from_secs(5), "it ended at its timeout, not hang's 60 s startup timeout: {took:?}");
    assert_eq!(report["status"], "timed_out", "{report}");
    assert_eq!(report["error"], "timed out after 3s");
    assert_eq!(report["options"]["timeout_secs"], 3);
    assert_eq!(step(&report, "db")["state"], "ready");
    assert_eq!(step(&report, "hang")["state"], "failed");
    assert_eq!(step(&report, "hang")["reason"], "stopped: the chain timed out after 3s");
    assert_eq!(step(&report, "web")["state"], "skipped");
    assert_eq!(step(&report, "web")["reason"], "not started: the chain timed out after 3s");
    wait_for("hang to be stopped", T, || (host.status("hang")["pid"].is_null()).then_some(()));
    assert_eq!(host.status("db")["state"], "ready", "what was ready stays");
    let out = host.ok(["service", "history", "db"]);
    assert!(out.contains("timed out by concurrent, timeout 3s"), "{out}");
    let err = host.fails(["service", "start-chain", "web", "--timeout", "0"]);
    assert!(err.contains("at least 1 second"), "{err}");
}

/// web needs bad (fails at once), slow (ready after a while) and later (after slow).
fn branches(host: &TestHost) {
    add(host, "bad", "echo 'Error: no config' >&2; exit 1", None);
    add(host, "slow", "sleep 1.5; echo ready; exec sleep 1000", Some("log:^ready$"));
    add(host, "later", "echo ready; exec sleep 1000", Some("log:^ready$"));
    add(host, "web", "exec sleep 1000", None);
    for (from, to) in [("web", "bad"), ("web", "slow"), ("web", "later"), ("later", "slow")] {
        host.ok(["dependency", "add", from, "--depends-on", to]);
    }
}

#[test]
fn fail_fast_stops_the_other_branch_where_keep_going_starts_it() {
    let host = TestHost::start();
    branches(&host);
    let (ok, report) = chain(&host, &["start-chain", "web", "--fail-fast"]);
    assert!(!ok);
    assert_eq!(report["status"], "failed", "{report}");
    assert_eq!(report["options"]["fail_fast"], true);
    assert!(report["error"].as_str().unwrap().starts_with("bad failed: exited with code 1"), "{report}");
    assert_eq!(step(&report, "slow")["state"], "failed", "{report}");
    assert!(step(&report, "slow")["reason"].as_str().unwrap().starts_with("stopped: fail-fast after bad failed"));
    assert_eq!(step(&report, "later")["state"], "skipped", "{report}");
    wait_for("slow to be stopped", T, || (host.status("slow")["pid"].is_null()).then_some(()));
    assert!(host.ok(["service", "history", "bad"]).contains("failed by concurrent, fail-fast"));

    let host = TestHost::start();
    branches(&host);
    let (ok, report) = chain(&host, &["start-chain", "web", "--keep-going"]);
    assert!(!ok);
    assert_eq!(report["status"], "failed");
    assert_eq!(step(&report, "web")["state"], "skipped");
    // Keep going: what does not depend on bad went on (later waited for slow and started).
    assert_ne!(step(&report, "later")["state"], "skipped", "{report}");
    assert!(step(&report, "later")["spawned_ms"].is_u64(), "{report}");
    host.wait_state("slow", "ready", T);
    host.wait_state("later", "ready", T);
}

#[test]
fn no_health_checks_makes_a_smoke_start_and_no_tunnels_opens_none() {
    let host = TestHost::start();
    add(&host, "never", "exec sleep 1000", Some("log:^never ready$"));
    let (ok, report) = chain(&host, &["start-chain", "never", "--no-health-checks"]);
    assert!(ok, "{report}");
    assert_eq!(step(&report, "never")["state"], "ready");
    assert_eq!(report["options"]["no_health_checks"], true);
    host.ok(["service", "stop", "never"]);
    // Its check still holds for a start without the switch.
    let (ok, _) = chain(&host, &["start-chain", "never", "--timeout", "1"]);
    assert!(!ok);

    // A profile whose server nobody runs: with --no-tunnels it is never asked.
    host.ok(["profile", "add", "nowhere", "--provider", "bore", "--server", "127.0.0.1:1"]);
    add(&host, "web", "exec sleep 1000", None);
    add(&host, "client", "echo url=${NEXSOCK_TUNNEL_WEB_URL:-none}; exec sleep 1000", None);
    host.ok(["dependency", "add", "client", "--depends-on", "web", "--tunnel", "--tunnel-mode", "required"]);
    let (ok, report) = chain(&host, &["start-chain", "client", "--no-tunnels"]);
    assert!(ok, "{report}");
    assert!(step(&report, "client")["reason"].as_str().unwrap().contains("--no-tunnels"), "{report}");
    assert!(host.json(["tunnel", "list"]).as_array().unwrap().is_empty());
    wait_for("client's output", T, || host.ok(["service", "logs", "client"]).contains("url=none").then_some(()));
}
