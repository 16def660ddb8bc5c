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
#[case::newline_in_env_name(&["service", "add", "c4", "--command", "true", "--env", "A\nB=1"], "control character")]
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
