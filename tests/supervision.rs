//! Supervision through the real host and CLI: process groups, grace periods, startup timeouts,
//! restart back-off, and services dying behind the host's back.

use std::time::{Duration, Instant};

use nexsock_tests::{TestHost, fixture, free_port, pid_alive, wait_for};

const T: Duration = Duration::from_secs(20);

/// Adds and starts the forker fixture; returns the leader pid and its descendants' pids.
fn start_forker(host: &TestHost) -> (i32, Vec<i32>) {
    let pids = host.home().join("pids");
    let command = format!("sh {} {}", fixture("forker.sh").display(), pids.display());
    host.ok(["service", "add", "forker", "--command", &command, "--health", "log:forked", "--stop-grace", "5"]);
    host.ok(["service", "start", "forker"]);
    let leader = i32::try_from(host.status("forker")["pid"].as_i64().expect("running forker has a pid")).unwrap();
    let descendants = wait_for("the forker's pids", T, || {
        let text = std::fs::read_to_string(&pids).ok()?;
        let pids: Vec<i32> = text.lines().filter_map(|l| l.trim().parse().ok()).collect();
        (pids.len() == 3).then_some(pids)
    });
    assert!(pid_alive(leader));
    assert!(descendants.iter().all(|p| pid_alive(*p)), "descendants should run: {descendants:?}");
    (leader, descendants)
}

#[test]
fn stopping_a_service_kills_its_grandchildren_too() {
    let host = TestHost::start();
    let (leader, descendants) = start_forker(&host);
    host.ok(["service", "stop", "forker"]);
    for pid in descendants.iter().chain([&leader]) {
        assert!(!pid_alive(*pid), "pid {pid} survived the stop");
    }
    let status = host.status("forker");
    assert_eq!(status["state"], "stopped");
    assert!(status["pid"].is_null());
}

#[test]
fn a_service_that_ignores_sigterm_is_killed_after_its_grace_period() {
    let host = TestHost::start();
    host.ok([
        "service",
        "add",
        "stubborn",
        "--command",
        "trap '' TERM; echo up; while true; do sleep 1; done",
        "--health",
        "log:^up$",
        "--stop-grace",
        "1",
    ]);
    host.ok(["service", "start", "stubborn"]);
    let pid = i32::try_from(host.status("stubborn")["pid"].as_i64().unwrap()).unwrap();
    let asked = Instant::now();
    host.ok(["service", "stop", "stubborn"]);
    assert!(asked.elapsed() >= Duration::from_secs(1), "it was killed before its grace period ended");
    assert!(!pid_alive(pid));
    let status = host.status("stubborn");
    assert_eq!(status["state"], "stopped");
    assert_eq!(status["last_exit"]["signal"], 9, "{status}");
}

#[test]
fn a_never_ready_service_fails_at_its_startup_timeout_with_the_reason() {
    let host = TestHost::start();
    let port = free_port().to_string();
    host.ok([
        "service",
        "add",
        "sleeper",
        "--command",
        "sleep 1000",
        "--port",
        &port,
        "--health",
        "tcp",
        "--startup-timeout",
        "1",
    ]);
    let err = host.fails(["service", "start", "sleeper"]);
    assert!(err.contains("not ready after 1s") && err.contains("tcp"), "{err}");
    let status = host.wait_state("sleeper", "failed", T);
    assert!(status["reason"].as_str().unwrap().contains("not ready after 1s"), "{status}");
    assert!(status["pid"].is_null());
}

#[test]
fn readiness_by_http_and_log_is_seen() {
    let host = TestHost::start();
    host.add_http_service("web", "http:/", None);
    host.ok([
        "service",
        "add",
        "talker",
        "--command",
        "echo 'listening on 7'; sleep 1000",
        "--health",
        "log:listening on \\d+",
    ]);
    host.ok(["service", "start", "web"]);
    host.ok(["service", "start", "talker"]);
    assert_eq!(host.status("web")["state"], "ready");
    assert_eq!(host.status("talker")["state"], "ready");
    let logs = host.ok(["service", "logs", "talker", "--tail", "1"]);
    assert_eq!(logs.trim(), "listening on 7");
}

#[test]
fn a_service_killed_behind_the_hosts_back_is_shown_failed_not_running() {
    let host = TestHost::start();
    host.ok(["service", "add", "victim", "--command", "sleep 1000"]);
    host.ok(["service", "start", "victim"]);
    let pid = host.status("victim")["pid"].as_i64().unwrap();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap()), nix::sys::signal::Signal::SIGKILL)
        .unwrap();
    let status = host.wait_state("victim", "failed", T);
    assert!(status["pid"].is_null());
    assert!(status["reason"].as_str().unwrap().contains("signal 9"), "{status}");
}

#[test]
fn restart_policy_backs_off_exponentially_and_gives_up() {
    let host = TestHost::start();
    host.ok(["service", "add", "crasher", "--command", "echo boom >&2; exit 3", "--restart", "on-failure"]);
    host.run(["service", "start", "crasher"]);
    let status = wait_for("the crasher to give up", T, || {
        let s = host.status("crasher");
        (s["state"] == "failed").then_some(s)
    });
    let reason = status["reason"].as_str().unwrap();
    assert!(reason.contains("gave up after 5 restarts") && reason.contains("boom"), "{reason}");
    assert_eq!(status["restarts"], 5);
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let spawned: Vec<i64> = db
        .prepare("SELECT r.spawned_at FROM service_run r JOIN service s ON s.id = r.service_id WHERE s.name = 'crasher' ORDER BY r.id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(spawned.len(), 6, "the first run and five restarts");
    for (i, gap) in spawned.windows(2).map(|w| w[1] - w[0]).enumerate() {
        let backoff = 100 * (1 << i);
        assert!(gap >= backoff, "restart {} came after {gap} ms, before its {backoff} ms back-off", i + 1);
    }
}

#[test]
fn a_killed_hosts_orphans_are_stopped_by_the_next_host_and_the_state_corrected() {
    let mut host = TestHost::start();
    let (leader, descendants) = start_forker(&host);
    host.kill_daemon();
    assert!(pid_alive(leader), "the service outlives a SIGKILLed host until the next host runs");
    // Any command starts a new host in the background; it stops the leftovers while it answers.
    let status = wait_for("the leftover stopped", T, || {
        let s = host.status("forker");
        (s["state"] != "stopping").then_some(s)
    });
    assert_eq!(status["state"], "stopped", "{status}");
    assert!(status["pid"].is_null());
    for pid in descendants.iter().chain([&leader]) {
        assert!(!pid_alive(*pid), "orphan {pid} survived the next host");
    }
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let reason: String = db
        .query_row("SELECT reason FROM service_run WHERE exited_at IS NOT NULL ORDER BY id DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(reason.contains("orphaned"), "{reason}");
    let open: i64 = db.query_row("SELECT count(*) FROM service_run WHERE exited_at IS NULL", [], |r| r.get(0)).unwrap();
    assert_eq!(open, 0);
}

#[test]
fn a_second_host_on_the_same_state_is_refused() {
    let host = TestHost::start();
    let out = std::process::Command::new(nexsock_tests::nexsock_bin())
        .arg("daemon")
        .env("NEXSOCK_HOME", host.home())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already owns"), "{err}");
    assert_eq!(host.ok(["service", "list"]).trim(), "no services yet; add one with `nexsock service add`");
}

#[test]
fn logs_follow_streams_new_lines_as_they_are_written() {
    use std::io::BufRead;
    let host = TestHost::start();
    host.ok([
        "service",
        "add",
        "ticker",
        "--command",
        "i=0; while true; do echo tick $i; i=$((i+1)); sleep 0.05; done",
    ]);
    host.ok(["service", "start", "ticker"]);
    wait_for("a first tick", T, || host.ok(["service", "logs", "ticker"]).contains("tick 1").then_some(()));
    let mut follow = std::process::Command::new(nexsock_tests::nexsock_bin())
        .args(["service", "logs", "ticker", "-f", "--tail", "1"])
        .env("NEXSOCK_HOME", host.home())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(follow.stdout.take().unwrap()).lines();
    let ticks: Vec<u64> =
        (0..5).map(|_| lines.next().unwrap().unwrap().strip_prefix("tick ").unwrap().parse().unwrap()).collect();
    follow.kill().unwrap();
    follow.wait().unwrap();
    assert!(ticks.windows(2).all(|w| w[1] == w[0] + 1), "consecutive lines, none lost or repeated: {ticks:?}");
}

#[test]
fn the_next_host_answers_at_once_and_stops_the_leftovers_together_in_the_background() {
    const GRACE: &str = "8";
    let mut host = TestHost::start();
    let mut pids = std::collections::BTreeMap::new();
    for (name, command, grace) in [
        // Ignore SIGTERM: only SIGKILL, after their grace, ends these leftovers.
        ("a", "trap '' TERM; exec sleep 1000", GRACE),
        ("b", "trap '' TERM; exec sleep 1000", GRACE),
        ("calm", "exec sleep 1000", "5"),
    ] {
        host.ok(["service", "add", name, "--command", command, "--stop-grace", grace]);
        host.ok(["service", "start", name]);
        pids.insert(name, i32::try_from(host.status(name)["pid"].as_u64().unwrap()).unwrap());
    }
    host.kill_daemon();

    // The next command starts a host, which answers before the stubborn leftovers are stopped:
    // they show as stopping, with the old pid and the reason.
    let list: serde_json::Value = serde_json::from_str(&host.ok(["service", "list", "--json"])).unwrap();
    for name in ["a", "b"] {
        let s = list.as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
        assert_eq!(s["state"], "stopping", "{s}");
        assert_eq!(s["pid"].as_i64(), Some(i64::from(pids[name])), "{s}");
        let reason = s["reason"].as_str().unwrap();
        assert!(reason.contains("left running by a previous host"), "{reason}");
    }
    assert!(pid_alive(pids["a"]) && pid_alive(pids["b"]), "still within their grace");
    let mut events = std::process::Command::new(nexsock_tests::nexsock_bin())
        .args(["events", "--json"])
        .env("NEXSOCK_HOME", host.home())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // A start during the cleanup waits for the leftover's stop, then starts one new instance.
    let started = host.ok(["service", "start", "a"]);
    assert!(started.contains("ready"), "{started}");
    let a = host.status("a");
    let new_pid = i32::try_from(a["pid"].as_u64().unwrap()).unwrap();
    assert_ne!(new_pid, pids["a"]);
    assert!(!pid_alive(pids["a"]), "the leftover of `a` was stopped before the new one started");
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let (ended, reason, respawned): (i64, String, i64) = db
        .query_row(
            "SELECT old.exited_at, old.reason, new.spawned_at FROM service_run old, service_run new
             JOIN service s ON s.id = old.service_id
             WHERE s.name = 'a' AND new.service_id = old.service_id AND old.pid = ?1 AND new.pid = ?2",
            [pids["a"], new_pid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(reason.contains("orphaned"), "{reason}");
    assert!(respawned >= ended, "the new run ({respawned}) was spawned before the leftover ended ({ended})");
    let open: i64 = db
        .query_row(
            "SELECT count(*) FROM service_run r JOIN service s ON s.id = r.service_id WHERE s.name = 'a' AND r.exited_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(open, 1, "exactly one instance of `a` runs");

    // The last reconciliation event says what was stopped; the others end stopped, no orphan.
    let stdout = std::io::BufReader::new(events.stdout.take().unwrap());
    let last = std::io::BufRead::lines(stdout)
        .map(|l| serde_json::from_str::<serde_json::Value>(&l.unwrap()).unwrap())
        .find(|e| e["type"] == "Reconciliation" && e["data"]["remaining"].as_array().is_some_and(Vec::is_empty))
        .unwrap();
    events.kill().unwrap();
    events.wait().unwrap();
    let mut stopped: Vec<&str> =
        last["data"]["stopped"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    stopped.sort_unstable();
    assert_eq!(stopped, ["a", "b", "calm"], "{last}");
    for name in ["b", "calm"] {
        assert_eq!(host.status(name)["state"], "stopped");
        assert!(!pid_alive(pids[name]), "leftover {name} survived the next host");
    }
    // Together: the host began stopping all three within a moment of each other; one after
    // another, the last would have begun only when the previous ones' grace was over.
    let log = std::fs::read_to_string(host.home().join("host.log")).unwrap();
    let began: Vec<f64> = log
        .lines()
        .filter(|l| l.contains("stopping processes left by a previous host"))
        .map(|l| {
            let time = l.split('T').nth(1).and_then(|t| t.split('Z').next()).unwrap();
            time.split(':').fold(0.0, |acc, part| acc * 60.0 + part.parse::<f64>().unwrap())
        })
        .collect();
    assert_eq!(began.len(), 3, "{log}");
    let spread = began.iter().copied().fold(f64::MIN, f64::max) - began.iter().copied().fold(f64::MAX, f64::min);
    assert!(spread.rem_euclid(86_400.0) < 4.0, "began {spread:.1} s apart: {log}");
    // The new `a` ignores SIGTERM too: end it now rather than wait out its grace at teardown.
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(new_pid), nix::sys::signal::Signal::SIGKILL).unwrap();
}

#[test]
fn a_host_that_cannot_start_is_explained_from_its_log_not_as_a_refused_connection() {
    let host = TestHost::new_stopped();
    std::fs::create_dir_all(host.home()).unwrap();
    std::fs::write(host.database(), "this is not a database, but a file someone left here\n".repeat(200)).unwrap();
    let err = host.fails(["service", "list"]);
    assert!(err.contains("the host started in the background exited") && err.contains("not a database"), "{err}");
    assert!(!err.contains("refused"), "{err}");
}

#[test]
fn a_one_shot_that_exits_0_is_completed_and_a_stop_or_a_failure_is_not() {
    let host = TestHost::start();
    host.ok(["service", "add", "migrate", "--command", "echo migrated"]);
    host.ok(["service", "add", "broken", "--command", "exit 3"]);
    host.ok(["service", "add", "daemon", "--command", "exec sleep 1000"]);
    host.ok(["service", "add", "looping", "--command", "exit 0", "--restart", "always"]);
    host.ok(["service", "start", "migrate"]);
    let done = host.wait_state("migrate", "completed", T);
    assert_eq!(done["last_exit"]["code"], 0, "{done}");
    assert!(done["pid"].is_null());
    assert!(host.ok(["service", "list"]).lines().any(|l| l.starts_with("migrate") && l.contains("completed")));
    // Not completed: a failure, a stop by request, a service restarted after each exit.
    let _ = host.run(["service", "start", "broken"]);
    host.wait_state("broken", "failed", T);
    host.ok(["service", "start", "daemon"]);
    host.ok(["service", "stop", "daemon"]);
    assert_eq!(host.status("daemon")["state"], "stopped");
    host.ok(["service", "start", "looping"]);
    wait_for("a restart of looping", T, || (host.status("looping")["restarts"].as_u64() >= Some(1)).then_some(()));
    assert_ne!(host.status("looping")["state"], "completed");
    // A completed one-shot stopped by request is stopped; started again, completed again.
    host.ok(["service", "stop", "migrate"]);
    assert_eq!(host.status("migrate")["state"], "stopped");
    host.ok(["service", "start", "migrate"]);
    host.wait_state("migrate", "completed", T);
}

#[test]
fn service_env_previews_the_next_start_with_secrets_masked() {
    let host = TestHost::start();
    host.ok(["service", "add", "web", "--command", "exec sleep 1000", "--port", &free_port().to_string()]);
    host.ok([
        "service",
        "add",
        "client",
        "--command",
        "env",
        "--env",
        "MODE=dev",
        "--env",
        "STRIPE_API_KEY=sk_live_abc123",
    ]);
    host.ok(["dependency", "add", "client", "--depends-on", "web", "--tunnel", "--env-alias", "WEB_PUBLIC"]);
    let env = host.json(["service", "env", "client"]);
    let var = |name: &str| env.as_array().unwrap().iter().find(|v| v["name"] == name).cloned().unwrap_or_default();
    assert_eq!((var("MODE")["value"].as_str(), var("MODE")["source"].as_str()), (Some("dev"), Some("spec")));
    assert!(var("STRIPE_API_KEY")["value"].is_null() && var("STRIPE_API_KEY")["secret"] == true, "{env}");
    for name in ["NEXSOCK_TUNNEL_WEB_URL", "WEB_PUBLIC"] {
        assert_eq!(var(name)["source"], "tunnel:web", "{env}");
        assert!(var(name)["value"].is_null(), "not known before the tunnel opens: {env}");
    }
    assert_eq!(var("NEXSOCK_SERVICE")["value"], "client");
    let text = host.ok(["service", "env", "client"]);
    assert!(text.contains("STRIPE_API_KEY=********") && !text.contains("sk_live_abc123"), "{text}");
    let revealed = host.json(["service", "env", "client", "--reveal"]);
    assert!(revealed.as_array().unwrap().iter().any(|v| v["value"] == "sk_live_abc123"), "{revealed}");
}
