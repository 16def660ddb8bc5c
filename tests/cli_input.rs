//! Bad input through the real CLI: one clear line on stderr, a non-zero exit, and no change.

use nexsock_tests::TestHost;
use rstest::rstest;

#[rstest]
#[case::bad_name(&["service", "add", "no spaces", "--command", "true"], "invalid service name")]
#[case::long_name(&["service", "add", &"x".repeat(65), "--command", "true"], "invalid service name")]
#[case::port_zero(&["service", "add", "p0", "--command", "true", "--port", "0"], "invalid port 0")]
#[case::port_high(&["service", "add", "p1", "--command", "true", "--port", "70000"], "invalid port 70000")]
#[case::health_kind(&["service", "add", "h1", "--command", "true", "--health", "grpc"], "invalid health check")]
#[case::health_needs_port(&["service", "add", "h2", "--command", "true", "--health", "tcp"], "needs a port")]
#[case::bad_regex(&["service", "add", "h3", "--command", "true", "--health", "log:(x"], "invalid log pattern")]
#[case::bad_restart(&["service", "add", "r1", "--command", "true", "--restart", "sometimes"], "invalid restart policy")]
#[case::escape_in_command(&["service", "add", "c1", "--command", "echo \u{1b}[2J"], "control character")]
#[case::return_in_command(&["service", "add", "c2", "--command", "echo a\rb"], "control character")]
#[case::bell_in_env(&["service", "add", "c3", "--command", "true", "--env", "A=\u{7}"], "control character")]
#[case::newline_in_env_name(&["service", "add", "c4", "--command", "true", "--env", "A\nB=1"], "invalid environment variable name")]
#[case::env_name_starting_with_a_digit(&["service", "add", "c5", "--command", "true", "--env", "1X=2"], "not starting with a digit")]
#[case::duplicate(&["service", "add", "existing", "--command", "true"], "already exists")]
#[case::unknown_start(&["service", "start", "ghost"], "no service named `ghost`")]
#[case::unknown_stop(&["service", "stop", "ghost"], "no service named `ghost`")]
#[case::unknown_remove(&["service", "remove", "ghost"], "no service named `ghost`")]
#[case::unknown_logs(&["service", "logs", "ghost"], "no service named `ghost`")]
fn bad_input_gets_one_clear_error_and_changes_nothing(#[case] args: &[&str], #[case] expected: &str) {
    let host = TestHost::start();
    host.ok(["service", "add", "existing", "--command", "sleep 1000"]);
    let before = host.ok(["service", "list", "--json"]);
    let err = host.fails(args);
    assert!(err.starts_with("error: ") && err.contains(expected), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    assert_eq!(host.ok(["service", "list", "--json"]), before);
}

#[test]
fn a_mistyped_name_gets_a_did_you_mean() {
    let host = TestHost::start();
    host.ok(["service", "add", "web", "--command", "sleep 1000"]);
    host.ok(["service", "add", "worker", "--command", "sleep 1000"]);
    let err = host.fails(["service", "start", "wbe"]);
    assert!(err.contains("no service named `wbe` (did you mean `web`?)"), "{err}");
    let err = host.fails(["service", "status", "workr"]);
    assert!(err.contains("(did you mean `worker`?)"), "{err}");
    let err = host.fails(["service", "start", "zzzzzz"]);
    assert!(err.contains("(see `nexsock service list`)"), "nothing close: {err}");
    let err = host.fails(["service", "start-chain", "web", "--strategy", "concurent"]);
    assert!(err.contains("(did you mean `concurrent`?)"), "{err}");
    host.ok(["profile", "add", "work", "--provider", "localtunnel"]);
    let err = host.fails(["profile", "default", "wrok"]);
    assert!(err.contains("no profile named `wrok` (did you mean `work`?)"), "{err}");
}

#[test]
fn several_names_start_stop_and_restart_each_and_port_0_is_refused() {
    let host = TestHost::start();
    for name in ["a", "b", "c"] {
        host.ok(["service", "add", name, "--command", "exec sleep 1000"]);
    }
    let out = host.ok(["service", "start", "a", "b,c"]);
    assert_eq!(out.lines().filter(|l| l.contains(": ready")).count(), 3, "{out}");
    let out = host.ok(["service", "restart", "a,b"]);
    assert_eq!(out.lines().filter(|l| l.starts_with("restarted")).count(), 2, "{out}");
    let out = host.ok(["service", "stop", "a", "b", "c"]);
    assert_eq!(out.lines().filter(|l| l.starts_with("stopped")).count(), 3, "{out}");
    // One unknown name fails the command, and the others still happen.
    let out = host.run(["service", "start", "a", "ghost"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no service named `ghost`"));
    assert_eq!(host.status("a")["state"], "ready");
    let out = host.ok(["service", "start-batch", "b", "c"]);
    assert!(out.contains("completed"), "{out}");
    let err = host.fails(["port", "0"]);
    assert!(err.contains("0 is not in 1..=65535"), "{err}");
}

#[test]
fn a_declared_strategy_can_be_edited_and_names_only_known_services() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "sleep 1000"]);
    host.ok(["service", "add", "web", "--command", "sleep 1000"]);
    let err = host.fails(["strategy", "add", "fast", "--base", "concurrent", "--priority", "db,nope"]);
    assert!(err.contains("no service named `nope`"), "{err}");
    assert!(!host.ok(["strategy", "list"]).contains("fast"), "nothing was declared");
    host.ok(["strategy", "add", "fast", "--base", "concurrent", "--priority", "db"]);
    host.ok(["strategy", "edit", "fast", "--priority", "web,db", "--max-concurrent", "2"]);
    let settings = host.json(["strategy", "list"]);
    let fast = settings["custom_strategies"].as_array().unwrap().iter().find(|s| s["name"] == "fast").unwrap().clone();
    assert_eq!(fast["priority"], serde_json::json!(["web", "db"]));
    assert_eq!(fast["max_concurrent"], 2);
    assert_eq!(fast["base"], "concurrent", "what the flags did not name stays");
    let err = host.fails(["strategy", "edit", "concurrent", "--priority", "db"]);
    assert!(err.contains("is built in"), "{err}");
    let err = host.fails(["strategy", "edit", "fsat", "--priority", "db"]);
    assert!(err.contains("did you mean `fast`?"), "{err}");
}

#[test]
fn a_running_service_cannot_be_removed() {
    let host = TestHost::start();
    host.ok(["service", "add", "busy", "--command", "sleep 1000"]);
    host.ok(["service", "start", "busy"]);
    let err = host.fails(["service", "remove", "busy"]);
    assert!(err.contains("stop it first"), "{err}");
    host.ok(["service", "stop", "busy"]);
    host.ok(["service", "remove", "busy"]);
    assert!(host.json(["service", "list"]).as_array().unwrap().is_empty());
}

#[test]
fn list_json_has_the_documented_fields() {
    let host = TestHost::start();
    host.ok(["service", "add", "api", "--command", "sleep 1000", "--port", "4321"]);
    let list = host.json(["service", "list"]);
    let api = &list[0];
    assert_eq!(api["name"], "api");
    assert_eq!(api["state"], "stopped");
    assert!(api["pid"].is_null());
    assert_eq!(api["port"], 4321);
}

#[rstest]
#[case::json(&["dependency", "list", "web", "--json"])]
#[case::table(&["service", "list"])]
#[case::completions(&["completions", "bash"])]
fn a_closed_output_pipe_ends_the_cli_quietly(#[case] args: &[&str]) {
    let host = TestHost::start();
    host.ok(["service", "add", "web", "--command", "sleep 1000"]);
    // The reader is gone before the CLI writes a byte, as with `| head -1` after its first line.
    let (reader, writer) = nix::unistd::pipe().unwrap();
    drop(reader);
    let out = std::process::Command::new(nexsock_tests::nexsock_bin())
        .args(args)
        .env("NEXSOCK_HOME", host.home())
        .stdout(std::process::Stdio::from(writer))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(stderr.is_empty(), "nothing on stderr: {stderr}");
}

#[test]
fn a_region_is_refused_with_the_reason_and_no_profile_is_added() {
    let host = TestHost::start();
    let err = host.fails(["profile", "add", "eu", "--provider", "ngrok", "--region", "eu"]);
    assert!(err.contains("--region is not supported") && err.contains("picks the nearest region itself"), "{err}");
    assert_eq!(host.json(["profile", "list"]), serde_json::json!([]));
}
