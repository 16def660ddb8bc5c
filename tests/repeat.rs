//! The everyday second run: every kind of chain start on a stack that is already up starts
//! nothing, runs a finished one-shot no more and succeeds; `--rerun` and a changed definition
//! run it again; a command that dies at once is no false "ready".

use std::path::{Path, PathBuf};

use nexsock_tests::TestHost;
use rstest::rstest;
use serde_json::Value;

/// db <- migrate (one-shot, counts its runs) <- api <- {web, worker}; api also waits on db.
fn stack(host: &TestHost, migrate_env: &str) -> PathBuf {
    let count = host.home().join("migrate.count");
    let file = host.home().join("stack.toml");
    let up = "echo ready; exec sleep 1000";
    std::fs::write(
        &file,
        format!(
            r#"
[services.db]
command = "{up}"
health = "log:^ready$"

[services.migrate]
command = "echo ran >> '{count}'"
env = {{ VERSION = "{migrate_env}" }}
depends_on = ["db"]

[services.api]
command = "{up}"
health = "log:^ready$"
[services.api.depends_on.db]
condition = "healthy"
[services.api.depends_on.migrate]
condition = "completed"

[services.web]
command = "{up}"
health = "log:^ready$"
depends_on = ["api"]

[services.worker]
command = "{up}"
health = "log:^ready$"
depends_on = ["api"]
"#,
            count = count.display()
        ),
    )
    .unwrap();
    host.ok(["apply", "-f", file.to_str().unwrap()]);
    count
}

fn runs(count: &Path) -> usize {
    std::fs::read_to_string(count).map_or(0, |s| s.lines().count())
}

/// Runs a CLI command with `--json`, returning its exit success and the report.
fn report(host: &TestHost, args: &[&str]) -> (bool, Value) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = host.run(&all);
    let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("no JSON report ({e}): {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (out.status.success(), report)
}

fn state<'a>(report: &'a Value, name: &str) -> &'a Value {
    let services = report["services"].as_array().unwrap_or_else(|| panic!("no services in {report}"));
    &services.iter().find(|s| s["name"] == name).unwrap_or_else(|| panic!("{name} in {report}"))["state"]
}

fn pid(host: &TestHost, name: &str) -> Value {
    host.status(name)["pid"].clone()
}

#[rstest]
#[case::start_chain(&["service", "start-chain", "web"])]
#[case::start_smart(&["service", "start", "web", "--smart"])]
#[case::start_batch(&["service", "start-batch", "web,worker"])]
#[case::restart_with_deps(&["service", "restart", "web", "--check-deps"])]
fn a_chain_start_on_a_running_stack_starts_nothing_and_succeeds(#[case] again: &[&str]) {
    let host = TestHost::start();
    let count = stack(&host, "1");
    let (ok, first) = report(&host, &["service", "start-batch", "web,worker"]);
    assert!(ok, "{first}");
    assert_eq!(state(&first, "migrate"), "completed", "a one-shot is completed at its exit: {first}");
    assert_eq!(runs(&count), 1);
    let (db, api) = (pid(&host, "db"), pid(&host, "api"));

    let (ok, second) = report(&host, again);
    assert!(ok, "{again:?} on a running stack failed: {second}");
    assert_eq!(second["status"], "completed", "{second}");
    assert_eq!(runs(&count), 1, "the one-shot ran again: {second}");
    let migrate = second["services"].as_array().unwrap().iter().find(|s| s["name"] == "migrate").unwrap();
    assert_eq!(migrate["state"], "completed", "{second}");
    assert_eq!(migrate["spawned_ms"], Value::Null, "{second}");
    for name in ["db", "api"] {
        assert_eq!(state(&second, name), "already_ready", "{second}");
    }
    assert_eq!(pid(&host, "db"), db, "db was restarted");
    assert_eq!(pid(&host, "api"), api, "api was restarted");
    let web = state(&second, "web");
    if again[1] == "restart" {
        assert_eq!(web, "ready", "a restart starts its root again: {second}");
    } else {
        assert_eq!(web, "already_ready", "{second}");
    }
    assert!(
        second["services"].as_array().unwrap().iter().all(|s| s["state"] != "skipped" && s["state"] != "failed"),
        "{second}"
    );
}

#[test]
fn the_people_readable_report_says_already_ready_and_completed() {
    let host = TestHost::start();
    stack(&host, "1");
    host.ok(["service", "start-chain", "web"]);
    let out = host.ok(["service", "start-chain", "web"]);
    assert!(out.lines().any(|l| l.starts_with("api") && l.contains("already ready")), "{out}");
    assert!(out.lines().any(|l| l.starts_with("migrate") && l.contains("--rerun migrate")), "{out}");
}

#[test]
fn ten_concurrent_chain_starts_run_the_one_shot_once_and_all_succeed() {
    let host = TestHost::start();
    let count = stack(&host, "1");
    let results: Vec<(bool, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..10).map(|_| scope.spawn(|| report(&host, &["service", "start-chain", "web"]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (ok, r) in &results {
        assert!(*ok, "a concurrent chain start failed: {r}");
    }
    assert_eq!(runs(&count), 1);
    // And ten more on the running stack.
    let again: Vec<(bool, Value)> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            (0..10).map(|_| scope.spawn(|| report(&host, &["service", "start-batch", "web,worker"]))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(again.iter().all(|(ok, _)| *ok), "{again:?}");
    assert_eq!(runs(&count), 1);
}

#[test]
fn rerun_or_a_changed_definition_runs_the_one_shot_again() {
    let host = TestHost::start();
    let count = stack(&host, "1");
    host.ok(["service", "start-chain", "web"]);
    let (ok, r) = report(&host, &["service", "start-chain", "web", "--rerun", "migrate"]);
    assert!(ok, "{r}");
    assert_eq!(state(&r, "migrate"), "completed");
    assert_eq!(runs(&count), 2, "--rerun waits for the one-shot to finish: {r}");

    stack(&host, "2");
    let (ok, r) = report(&host, &["service", "start-chain", "web"]);
    assert!(ok, "{r}");
    assert_eq!(runs(&count), 3, "a changed definition runs it again: {r}");

    let err = host.fails(["service", "start-chain", "web", "--rerun", "worker"]);
    assert!(err.contains("--rerun worker: worker is not part of this chain"), "{err}");
}

#[test]
fn a_missing_binary_fails_its_start_with_the_shells_message() {
    let host = TestHost::start();
    host.ok(["service", "add", "ghost", "--command", "no-such-binary-nexsock"]);
    let err = host.fails(["service", "start", "ghost"]);
    assert!(err.contains("exited with code 127 before it was ready"), "{err}");
    assert!(err.contains("not found"), "the shell's message is in the reason: {err}");
    assert_eq!(host.status("ghost")["state"], "failed");
}

#[test]
fn a_failure_reason_keeps_the_first_error_line_and_the_last_ones() {
    let host = TestHost::start();
    let command =
        "echo starting; echo 'Error: config key missing' >&2; for i in 1 2 3 4 5; do echo step $i; done; exit 3";
    host.ok(["service", "add", "broken", "--command", command]);
    let err = host.fails(["service", "start", "broken"]);
    assert!(err.contains("exited with code 3"), "{err}");
    assert!(err.contains("Error: config key missing"), "the cause, four lines up, is named: {err}");
    assert!(err.contains("step 5"), "the last line too: {err}");
    assert!(!err.contains("starting"), "not every line: {err}");
}

#[test]
fn a_one_shot_without_a_check_that_exits_0_at_once_is_completed() {
    let host = TestHost::start();
    host.ok(["service", "add", "once", "--command", "true"]);
    let out = host.ok(["service", "start", "once"]);
    assert!(out.contains("completed"), "{out}");
    assert_eq!(host.status("once")["state"], "completed");
}

#[test]
fn the_settle_time_is_configurable_and_an_exit_within_it_fails_the_start() {
    let host = TestHost::start();
    host.ok(["service", "add", "late", "--command", "sleep 0.6; exit 1"]);
    // With the default 250 ms it is up before it dies.
    host.ok(["service", "start", "late"]);
    host.wait_state("late", "failed", std::time::Duration::from_secs(10));
    std::fs::write(host.home().join("config.toml"), "[services]\nsettle_ms = 3000\n").unwrap();
    let err = host.fails(["service", "start", "late"]);
    assert!(err.contains("exited with code 1 before it was ready"), "{err}");
}
