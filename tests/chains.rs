//! Chain starts through the real CLI with real processes: ordering under every strategy, failure
//! propagation, optional dependencies, joining instead of double starts, per-edge timeouts,
//! cascade stops, and what gets recorded.

use nexsock_tests::TestHost;
use rstest::rstest;
use serde_json::Value;

/// A service that becomes ready (prints `ready`) after `delay` seconds.
fn add_delayed(host: &TestHost, name: &str, delay: &str) {
    let command = format!("sleep {delay}; echo ready; exec sleep 1000");
    host.ok(["service", "add", name, "--command", &command, "--health", "log:^ready$"]);
}

fn depend(host: &TestHost, service: &str, on: &str, extra: &[&str]) {
    let mut args = vec!["dependency", "add", service, "--depends-on", on];
    args.extend_from_slice(extra);
    host.ok(args);
}

/// Runs a chain start with `--json` and returns the report, whatever its exit status.
fn chain(host: &TestHost, args: &[&str]) -> Value {
    let mut all = vec!["service"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = host.run(&all);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("no JSON report ({e}): {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    })
}

fn service<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

fn ms(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("expected milliseconds, got {v}"))
}

/// The diamond: web -> (api, worker) -> db.
fn diamond(host: &TestHost) {
    add_delayed(host, "db", "0.3");
    add_delayed(host, "api", "0.1");
    add_delayed(host, "worker", "0.2");
    add_delayed(host, "web", "0");
    depend(host, "api", "db", &[]);
    depend(host, "worker", "db", &[]);
    depend(host, "web", "api", &[]);
    depend(host, "web", "worker", &[]);
}

#[rstest]
fn no_service_spawns_before_its_dependencies_are_ready(
    #[values("sequential", "parallel-safe", "concurrent", "critical-path")] strategy: &str,
) {
    let host = TestHost::start();
    diamond(&host);
    let report = chain(&host, &["start", "web", "--smart", "--strategy", strategy]);
    assert_eq!(report["status"], "completed", "{report}");
    assert_eq!(report["strategy"], strategy);
    for (dependent, dependency) in [("api", "db"), ("worker", "db"), ("web", "api"), ("web", "worker")] {
        let spawned = ms(&service(&report, dependent)["spawned_ms"]);
        let ready = ms(&service(&report, dependency)["ready_ms"]);
        assert!(
            spawned >= ready,
            "{strategy}: {dependent} spawned at {spawned} ms before {dependency} was ready at {ready} ms"
        );
    }
    let status = host.json(["service", "list"]);
    assert!(status.as_array().unwrap().iter().all(|s| s["state"] == "ready"), "{status}");
    if strategy == "sequential" {
        // One at a time: each spawn waits for the previous service's readiness.
        let mut spans: Vec<(u64, u64)> =
            report["services"].as_array().unwrap().iter().map(|s| (ms(&s["spawned_ms"]), ms(&s["ready_ms"]))).collect();
        spans.sort();
        assert!(spans.windows(2).all(|w| w[1].0 >= w[0].1), "overlapping starts: {spans:?}");
    }
}

#[test]
fn a_failed_hard_dependency_skips_its_dependents_and_names_the_root_cause() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "echo disk full >&2; exit 4", "--health", "log:ready"]);
    add_delayed(&host, "api", "0");
    add_delayed(&host, "web", "0");
    depend(&host, "api", "db", &[]);
    depend(&host, "web", "api", &[]);
    let out = host.run(["service", "start-chain", "web", "--json"]);
    assert!(!out.status.success(), "a failed chain exits non-zero");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "failed");
    let error = report["error"].as_str().unwrap();
    assert!(error.starts_with("db failed") && error.contains("disk full"), "{error}");
    assert_eq!(service(&report, "db")["state"], "failed");
    for skipped in ["api", "web"] {
        let s = service(&report, skipped);
        assert_eq!(s["state"], "skipped", "{report}");
        assert!(s["spawned_ms"].is_null());
        assert!(s["reason"].as_str().unwrap().contains("dependency"), "{s}");
        assert_eq!(host.status(skipped)["state"], "stopped");
    }
}

#[test]
fn a_failed_optional_dependency_warns_and_its_dependents_still_start() {
    let host = TestHost::start();
    host.ok(["service", "add", "metrics", "--command", "exit 1", "--health", "log:up"]);
    add_delayed(&host, "api", "0");
    depend(&host, "api", "metrics", &["--optional"]);
    let report = chain(&host, &["start-chain", "api"]);
    assert_eq!(report["status"], "completed", "{report}");
    assert_eq!(service(&report, "metrics")["state"], "failed");
    let api = service(&report, "api");
    assert_eq!(api["state"], "ready");
    assert!(api["reason"].as_str().unwrap().contains("optional dependency metrics failed"), "{api}");
}

#[test]
fn a_per_edge_timeout_bounds_the_wait() {
    let host = TestHost::start();
    add_delayed(&host, "slow", "1000");
    add_delayed(&host, "api", "0");
    depend(&host, "api", "slow", &["--timeout", "1"]);
    let report = chain(&host, &["start-chain", "api"]);
    assert_eq!(report["status"], "failed");
    let api = service(&report, "api");
    assert_eq!(api["state"], "skipped");
    assert!(api["reason"].as_str().unwrap().contains("timed out after 1s waiting for slow"), "{api}");
    assert!(ms(&report["total_ms"]) < 10_000, "the edge timeout, not the startup timeout, ended the wait");
}

#[test]
fn overlapping_chains_started_at_once_start_each_service_exactly_once() {
    let host = TestHost::start();
    diamond(&host);
    let bin = nexsock_tests::nexsock_bin();
    let children: Vec<_> = ["web", "api", "worker", "web", "api", "db"]
        .iter()
        .map(|root| {
            std::process::Command::new(&bin)
                .args(["service", "start-chain", root, "--json"])
                .env("NEXSOCK_HOME", host.home())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    }
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let runs: Vec<(String, i64)> = db
        .prepare("SELECT s.name, count(*) FROM service_run r JOIN service s ON s.id = r.service_id GROUP BY s.name ORDER BY s.name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(runs, [("api".into(), 1), ("db".into(), 1), ("web".into(), 1), ("worker".into(), 1)]);
}

#[test]
fn every_execution_is_recorded_with_its_actions_and_times() {
    let host = TestHost::start();
    diamond(&host);
    let report = chain(&host, &["start-chain", "web"]);
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let (strategy, status, actions): (String, String, String) = db
        .query_row("SELECT strategy, status, actions FROM startup_execution WHERE id = ?1", [ms(&report["id"])], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((strategy.as_str(), status.as_str()), ("concurrent", "completed"));
    let actions: Value = serde_json::from_str(&actions).unwrap();
    let started: Vec<_> =
        actions.as_array().unwrap().iter().filter(|a| a["action"] == "start").map(|a| a["service"].clone()).collect();
    assert_eq!(started.len(), 4, "{actions}");
    let tied: i64 = db
        .query_row(
            "SELECT count(*) FROM service_run WHERE execution_id = ?1 AND ready_at IS NOT NULL",
            [ms(&report["id"])],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tied, 4);
    let history = host.json(["service", "history", "worker"]);
    assert_eq!(history[0]["id"], report["id"]);
    assert_eq!(history[0]["critical_chain"][0], "db");
}

#[test]
fn cascade_stop_stops_dependents_first_in_reverse_order() {
    let host = TestHost::start();
    diamond(&host);
    chain(&host, &["start-chain", "web"]);
    host.ok(["service", "stop", "db", "--cascade"]);
    // Exit times (ms) of each service's run: dependents end no later than what they depend on.
    // (Processes that die at once share a millisecond, so ties are allowed, an inversion is not.)
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let exited: std::collections::BTreeMap<String, i64> = db
        .prepare("SELECT s.name, r.exited_at FROM service_run r JOIN service s ON s.id = r.service_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(exited.len(), 4, "every run recorded its exit before the stop answered: {exited:?}");
    for (dependent, dependency) in [("web", "api"), ("web", "worker"), ("api", "db"), ("worker", "db")] {
        assert!(exited[dependent] <= exited[dependency], "{dependent} ended after {dependency}: {exited:?}");
    }
    assert!(host.json(["service", "list"]).as_array().unwrap().iter().all(|s| s["state"] == "stopped"));
}

#[test]
fn restart_with_check_deps_starts_missing_dependencies_first() {
    let host = TestHost::start();
    diamond(&host);
    host.ok(["service", "start", "api"]);
    assert_eq!(host.status("db")["state"], "stopped");
    let report = chain(&host, &["restart", "api", "--check-deps"]);
    assert_eq!(report["status"], "completed", "{report}");
    assert_eq!(host.status("db")["state"], "ready");
    assert!(ms(&service(&report, "api")["spawned_ms"]) >= ms(&service(&report, "db")["ready_ms"]));
}

#[test]
fn start_batch_starts_the_union_of_chains_once() {
    let host = TestHost::start();
    diamond(&host);
    add_delayed(&host, "lonely", "0");
    let report = chain(&host, &["start-batch", "api,worker,lonely"]);
    let names: Vec<_> =
        report["services"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, ["api", "db", "lonely", "worker"]);
    assert_eq!(host.status("web")["state"], "stopped");
}

#[test]
fn a_strategy_or_a_bound_asks_for_a_smart_start_rather_than_being_dropped() {
    let host = TestHost::start();
    diamond(&host);
    let report = chain(&host, &["start", "web", "--strategy", "sequential"]);
    assert_eq!(
        (report["status"].as_str(), report["strategy"].as_str()),
        (Some("completed"), Some("sequential")),
        "{report}"
    );
    assert_eq!(report["services"].as_array().map(Vec::len), Some(4), "the whole chain started: {report}");
    host.ok(["service", "stop", "--all"]);
    let report = chain(&host, &["start", "web", "--max-concurrent", "1"]);
    assert_eq!(report["services"].as_array().map(Vec::len), Some(4), "{report}");
}

#[test]
fn an_unknown_strategy_is_refused_and_nothing_starts() {
    let host = TestHost::start();
    diamond(&host);
    let err = host.fails(["service", "start", "web", "--smart", "--strategy", "yolo"]);
    assert!(err.contains("unknown strategy `yolo`") && err.contains("critical-path"), "{err}");
    let err = host.fails(["service", "start-chain", "web", "--max-concurrent", "0"]);
    assert!(err.contains("at least 1"), "{err}");
    assert!(host.json(["service", "list"]).as_array().unwrap().iter().all(|s| s["state"] == "stopped"));
}

#[test]
fn the_default_strategy_is_a_setting_that_chain_starts_without_one_use() {
    let host = TestHost::start();
    add_delayed(&host, "db", "0");
    add_delayed(&host, "api", "0");
    depend(&host, "api", "db", &[]);

    let settings = host.json(["strategy", "list"]);
    assert_eq!(settings["default_strategy"], "concurrent");
    assert_eq!(
        settings["strategies"],
        serde_json::json!(["sequential", "parallel-safe", "concurrent", "critical-path"])
    );

    // An unknown name is refused with the known ones, and the default stays.
    let err = host.fails(["strategy", "default", "fastest"]);
    assert!(err.contains("fastest") && err.contains("critical-path"), "{err}");
    assert_eq!(host.json(["strategy", "list"])["default_strategy"], "concurrent");

    assert!(host.ok(["strategy", "default", "critical-path"]).contains("critical-path is the default strategy"));
    let listed = host.ok(["strategy", "list"]);
    assert!(listed.contains("critical-path  (default)"), "{listed}");
    let report = chain(&host, &["start-chain", "api"]);
    assert_eq!(report["strategy"], "critical-path", "{report}");
    // A strategy named on the command line still wins.
    host.ok(["service", "stop", "--all"]);
    let report = chain(&host, &["start-chain", "api", "--strategy", "sequential"]);
    assert_eq!(report["strategy"], "sequential", "{report}");

    // It is kept in config.toml, so a new host uses it too.
    let config = std::fs::read_to_string(host.home().join("config.toml")).unwrap();
    assert!(config.contains("default_strategy = \"critical-path\""), "{config}");
}

#[test]
fn a_chain_start_during_a_cascade_stop_lands_wholly_after_it() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "exec sleep 1000"]);
    host.ok(["service", "add", "api", "--command", "exec sleep 1000"]);
    // The dependent ignores SIGTERM, so the cascade spends its grace on it before reaching api and db.
    host.ok(["service", "add", "web", "--command", "trap '' TERM; sleep 1000 & wait", "--stop-grace", "2"]);
    depend(&host, "api", "db", &[]);
    depend(&host, "web", "api", &[]);
    chain(&host, &["start-chain", "web"]);

    let stopper = {
        let home = host.home().to_owned();
        std::thread::spawn(move || {
            std::process::Command::new(nexsock_tests::nexsock_bin())
                .args(["service", "stop", "db", "--cascade"])
                .env("NEXSOCK_HOME", home)
                .output()
                .unwrap()
        })
    };
    host.wait_state("web", "stopping", std::time::Duration::from_secs(10));
    // Between the cascade's stops: the start waits for the whole cascade, then starts everything.
    let report = chain(&host, &["start-chain", "web"]);
    assert!(stopper.join().unwrap().status.success());
    assert_eq!(report["status"], "completed", "{report}");
    let states: Vec<Value> = ["db", "api", "web"].iter().map(|s| host.status(s)["state"].clone()).collect();
    assert_eq!(states, ["ready", "ready", "ready"], "never a mix of the two requests");
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let runs: i64 = db.query_row("SELECT COUNT(*) FROM service_run", [], |r| r.get(0)).unwrap();
    assert_eq!(runs, 6, "each service stopped once and started once more");
}

#[test]
fn a_health_path_holds_the_dependent_until_the_path_answers_2xx() {
    let host = TestHost::start();
    host.add_http_service("web", "tcp", Some("index"));
    host.ok(["service", "add", "client", "--command", "exec sleep 1000"]);
    depend(&host, "client", "web", &["--health-path", "/ready.txt"]);
    let chain = std::process::Command::new(nexsock_tests::nexsock_bin())
        .args(["service", "start-chain", "client", "--json"])
        .env("NEXSOCK_HOME", host.home())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // web is up and its port open, but /ready.txt answers 404: the edge's check keeps asking.
    // (http.server logs requests on stderr, which `service logs` prints on stdout with the rest.)
    let requests = |host: &TestHost| host.ok(["service", "logs", "web"]);
    nexsock_tests::wait_for("the edge's check to be refused", std::time::Duration::from_secs(30), || {
        requests(&host).contains("\"GET /ready.txt HTTP/1.1\" 404").then_some(())
    });
    assert_eq!(host.status("web")["state"], "ready");
    assert_eq!(host.status("client")["state"], "stopped", "client must wait for /ready.txt");
    std::fs::write(host.home().join("www-web/ready.txt"), "ok").unwrap();
    let out = chain.wait_with_output().unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "completed", "{report}");
    assert_eq!(host.status("client")["state"], "ready");
    let log = requests(&host);
    assert!(log.contains("\"GET /ready.txt HTTP/1.1\" 200"), "{log}");
}

#[test]
fn a_health_path_on_a_dependency_without_a_port_is_refused() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "sleep 1000"]);
    host.ok(["service", "add", "api", "--command", "sleep 1000"]);
    let err = host.fails(["dependency", "add", "api", "--depends-on", "db", "--health-path", "/ready"]);
    assert!(err.contains("has none: add --port"), "{err}");
    assert_eq!(host.json(["dependency", "list", "api"])["dependencies"], serde_json::json!([]));
}

#[test]
fn the_login_chain_is_set_shown_refused_when_unknown_and_cleared_from_the_cli() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "exec sleep 1000"]);
    host.ok(["service", "add", "web", "--command", "exec sleep 1000"]);
    assert_eq!(host.ok(["login-chain"]).trim(), "at login the app starts nothing");
    let err = host.fails(["login-chain", "web,nope"]);
    assert!(err.contains("no service named `nope`"), "{err}");
    host.ok(["login-chain", "web,db", "--strategy", "sequential"]);
    assert_eq!(host.ok(["login-chain"]).trim(), "at login the app starts web,db by sequential");
    let settings = host.json(["login-chain"]);
    assert_eq!(settings["login_chain"]["roots"], serde_json::json!(["web", "db"]), "{settings}");
    let config = std::fs::read_to_string(host.home().join("config.toml")).unwrap();
    assert!(config.contains("login_chain"), "{config}");
    host.ok(["login-chain", "--clear"]);
    assert_eq!(host.ok(["login-chain"]).trim(), "at login the app starts nothing");
}
