//! Logs and events with time: `service logs` prints both streams on stdout, with times and run
//! markers; `nexsock events` stamps each line and leaves output lines out unless asked; a start
//! waiting on a failing check says what the check answered.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::mpsc,
    time::{Duration, Instant},
};

use nexsock_tests::{Follower, TestHost, free_port, nexsock_bin, wait_for};
use serde_json::Value;

const T: Duration = Duration::from_secs(30);

/// Whether `line` starts with a local date and time to the millisecond (`2026-12-08 12:01:03.123`).
fn starts_with_a_time(line: &str) -> bool {
    let shape: String = line.chars().take(23).map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
    shape == "9999-99-99 99:99:99.999"
}

/// The run markers in `log`, in order.
fn markers(log: &str) -> Vec<String> {
    log.lines().filter(|l| l.starts_with("── run ")).map(str::to_owned).collect()
}

/// The run number a marker names.
fn run_of(marker: &str) -> u64 {
    marker.split_whitespace().nth(2).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{marker:?}"))
}

#[test]
fn service_logs_prints_stderr_lines_on_stdout_with_their_stream_and_time() {
    let host = TestHost::start();
    host.ok(["service", "add", "talker", "--command", "echo to-stdout; echo GET /err >&2; exec sleep 1000"]);
    host.ok(["service", "start", "talker"]);
    wait_for("both lines to be logged", T, || {
        let log = host.ok(["service", "logs", "talker"]);
        (log.contains("to-stdout") && log.contains("GET /err")).then_some(())
    });

    let out = host.run(["service", "logs", "talker"]);
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(stdout.lines().any(|l| l == "GET /err"), "the stderr line is on stdout, for grep: {stdout}");
    assert!(!stderr.contains("GET /err"), "and not on stderr: {stderr}");

    let stamped = host.ok(["service", "logs", "talker", "--timestamps"]);
    assert!(stamped.lines().count() >= 3, "{stamped}");
    for line in stamped.lines() {
        assert!(starts_with_a_time(line), "{line:?} starts with its time");
    }
    assert!(stamped.lines().any(|l| l.ends_with(" GET /err")), "{stamped}");

    let json = host.ok(["service", "logs", "talker", "--json"]);
    let lines: Vec<Value> = json.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    for line in &lines {
        assert!(line["at_ms"].as_u64().is_some_and(|t| t > 0) && line["stream"].is_string(), "{line}");
    }
    let stream_of = |text: &str| lines.iter().find(|l| l["text"] == text).map(|l| l["stream"].clone());
    assert_eq!(stream_of("GET /err"), Some("stderr".into()));
    assert_eq!(stream_of("to-stdout"), Some("stdout".into()));
    assert!(lines.iter().any(|l| l["stream"] == "marker"), "the run's start is marked: {json}");
}

#[test]
fn each_run_is_marked_where_it_starts_and_how_it_ends() {
    let host = TestHost::start();
    host.ok(["service", "add", "flaky", "--command", "echo hello; exit 1"]);
    for _ in 0..2 {
        let out = host.run(["service", "start", "flaky"]);
        assert!(!out.status.success(), "exit 1 before it settled fails the start");
    }
    let log = wait_for("the second run's end to be marked", T, || {
        let log = host.ok(["service", "logs", "flaky"]);
        (markers(&log).len() == 4).then_some(log)
    });
    let marks = markers(&log);
    let (first, second) = (run_of(&marks[0]), run_of(&marks[2]));
    assert!(second > first, "{marks:?}");
    assert!(marks[0].starts_with(&format!("── run {first} started ")) && marks[0].ends_with(" ──"), "{marks:?}");
    assert!(marks[1].starts_with(&format!("── run {first} exited with code 1 at ")), "{marks:?}");
    assert!(marks[2].starts_with(&format!("── run {second} started ")), "{marks:?}");
    assert!(marks[3].starts_with(&format!("── run {second} exited with code 1 at ")), "{marks:?}");
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.iter().filter(|l| **l == "hello").count(), 2, "{log}");
    assert_eq!(lines[1], "hello", "a run's output follows its start marker: {log}");

    host.ok(["service", "add", "sleeper", "--command", "exec sleep 1000"]);
    host.ok(["service", "start", "sleeper"]);
    host.ok(["service", "stop", "sleeper"]);
    let marks = markers(&host.ok(["service", "logs", "sleeper"]));
    assert_eq!(marks.len(), 2, "{marks:?}");
    assert!(marks[1].contains(" stopped by request at "), "{marks:?}");
}

/// `nexsock events ARGS` as a child, its stdout lines as they come.
fn events(host: &TestHost, args: &[&str]) -> Follower {
    let mut all = vec!["events"];
    all.extend_from_slice(args);
    host.follow(&all)
}

/// Repeats `change` until `follower` passes a line on: it has subscribed.
fn wait_subscribed(follower: &Follower, mut change: impl FnMut()) {
    let start = Instant::now();
    loop {
        change();
        if follower.lines.recv_timeout(Duration::from_millis(500)).is_ok() {
            return;
        }
        assert!(start.elapsed() < T, "`nexsock events` did not subscribe");
    }
}

/// The lines `follower` prints up to and including the first that contains `until`.
fn lines_until(follower: &Follower, until: &str) -> Vec<String> {
    let mut lines = Vec::new();
    while !lines.last().is_some_and(|l: &String| l.contains(until)) {
        lines.push(follower.lines.recv_timeout(T).unwrap_or_else(|_| panic!("no {until:?} after {lines:?}")));
    }
    lines
}

#[test]
fn events_have_times_leave_output_out_unless_asked_and_filter_by_type() {
    let host = TestHost::start();
    host.ok(["service", "add", "marker", "--command", "true"]);
    host.ok([
        "service",
        "add",
        "chatty",
        "--command",
        "i=0; while true; do echo chat $i; i=$((i+1)); sleep 0.05; done",
    ]);
    let plain = events(&host, &[]);
    wait_subscribed(&plain, || drop(host.ok(["service", "config", "marker", "--default-profile"])));
    let with_logs = events(&host, &["--logs"]);
    wait_subscribed(&with_logs, || drop(host.ok(["service", "config", "marker", "--default-profile"])));
    let typed = events(&host, &["--type", "ServiceAdded", "--type", "service-removed,ServiceAdded", "--json"]);
    let mut n = 0;
    wait_subscribed(&typed, || {
        n += 1;
        host.ok(["service", "add", &format!("probe{n}"), "--command", "true"]);
    });

    host.ok(["service", "start", "chatty"]);
    wait_for("chatty to talk", T, || host.ok(["service", "logs", "chatty"]).contains("chat 3").then_some(()));
    host.ok(["service", "add", "fence", "--command", "true"]);
    host.ok(["service", "remove", "fence"]);

    let said = lines_until(&plain, "service-removed fence");
    for line in &said {
        assert!(starts_with_a_time(line), "{line:?} starts with its time");
        assert!(!line[23..].trim_start().starts_with("log "), "no output lines without --logs: {said:?}");
    }
    assert!(said.iter().any(|l| l.ends_with("service-changed chatty ready")), "{said:?}");

    let said = lines_until(&with_logs, "log chatty: chat 3");
    assert!(said.iter().all(|l| starts_with_a_time(l)), "{said:?}");

    let said = lines_until(&typed, "\"ServiceRemoved\"");
    let types: Vec<Value> = said
        .iter()
        .map(|l| {
            let event: Value = serde_json::from_str(l).unwrap();
            assert!(event["at_ms"].as_u64().is_some_and(|t| t > 0), "{l} has its time");
            event["type"].clone()
        })
        .collect();
    assert!(types.iter().all(|t| t == "ServiceAdded" || t == "ServiceRemoved"), "{said:?}");
    assert!(said.iter().any(|l| l.contains("\"fence\"")), "{said:?}");

    let err = host.fails(["events", "--type", "Started"]);
    assert!(err.contains("unknown event type `Started`") && err.contains("ServiceChanged"), "{err}");
}

#[test]
fn a_start_waiting_on_a_failing_check_says_what_the_check_answered() {
    let host = TestHost::start();
    let port = free_port().to_string();
    let command = format!("exec python3 -m http.server {port} --bind 127.0.0.1");
    host.ok([
        "service",
        "add",
        "api",
        "--command",
        &command,
        "--port",
        &port,
        "--health",
        "http:/nope",
        "--startup-timeout",
        "12",
    ]);
    let started = Instant::now();
    let mut start = Command::new(nexsock_bin())
        .args(["service", "start", "api"])
        .env("NEXSOCK_HOME", host.home())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, said) = mpsc::channel();
    let stderr = start.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let line = loop {
        let line = said.recv_timeout(Duration::from_secs(9)).expect("a waiting line within 9 s");
        if line.starts_with("waiting for api: ") {
            break line;
        }
    };
    let waited = started.elapsed();
    let _ = start.kill();
    let _ = start.wait();
    assert!(line.contains("answered 404") && line.contains("/nope") && line.ends_with("of 12s)"), "{line}");
    assert!(waited < Duration::from_secs(9), "the first line comes after about 5 s, not at the timeout: {waited:?}");
    host.ok(["service", "stop", "api"]);
}
