//! Held ports (issue 15): a service never starts beside another listener on its port, its tcp and
//! http checks count only its own listener, and `nexsock port`, `--free-port` and
//! `--kill-holder` name and end the holder. Real processes on real ports.

#![allow(clippy::unwrap_used, missing_docs)]

use std::{
    net::TcpStream,
    process::{Child, Command, Stdio},
    time::Duration,
};

use nexsock_tests::{TestHost, free_port, pid_alive, testsvc_bin, wait_for};

const T: Duration = Duration::from_secs(20);

/// A program nexsock did not start, listening on `port` (Python's http.server), once it listens.
struct Squatter(Child);

impl Squatter {
    fn on(port: u16) -> Self {
        let child = Command::new("python3")
            .args(["-m", "http.server", &port.to_string(), "--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for("the squatter to listen", T, || TcpStream::connect(("127.0.0.1", port)).ok());
        Self(child)
    }

    fn pid(&self) -> i32 {
        i32::try_from(self.0.id()).unwrap()
    }
}

impl Drop for Squatter {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A service command that listens on `port` itself (and answers HTTP).
fn server(port: u16) -> String {
    format!("exec '{}' --listen {port}", testsvc_bin().display())
}

fn runs_of(host: &TestHost, service: &str) -> i64 {
    let db = rusqlite::Connection::open(host.database()).unwrap();
    db.query_row(
        "SELECT count(*) FROM service_run r JOIN service s ON s.id = r.service_id WHERE s.name = ?1",
        [service],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn a_held_port_fails_the_start_naming_the_holder_and_nothing_is_spawned() {
    let host = TestHost::start();
    let port = free_port();
    let squatter = Squatter::on(port);
    let p = port.to_string();
    host.ok(["service", "add", "api", "--command", "sleep 100", "--port", &p, "--health", "tcp"]);
    let err = host.fails(["service", "start", "api"]);
    let holder = format!("held by pid {} (", squatter.pid());
    assert!(err.contains(&holder) && err.contains("http.server"), "{err}");
    assert!(err.contains("--free-port --kill-holder"), "says how to free it: {err}");
    let status = host.status("api");
    assert_eq!(status["state"], "failed");
    assert!(status["reason"].as_str().unwrap().contains(&holder), "{status}");
    assert_eq!(runs_of(&host, "api"), 0, "nothing was spawned");

    let held = host.json(["port", &p]);
    assert_eq!(held["holder"]["pid"].as_i64(), Some(i64::from(squatter.pid())), "{held}");
    assert!(held["holder"]["service"].is_null() && held["holder"]["orphan_of"].is_null(), "{held}");
    assert_eq!(held["declared_by"], serde_json::json!(["api"]));
    assert_eq!(host.ok(["port", &free_port().to_string()]).lines().next().unwrap().split(": ").nth(1), Some("free"));

    // In a chain, the held port is that service's failure and its dependents are skipped.
    host.ok(["service", "add", "web", "--command", "sleep 100"]);
    host.ok(["dependency", "add", "web", "--depends-on", "api"]);
    let chain = host.run(["service", "start-chain", "web", "--json"]);
    assert!(!chain.status.success());
    let report: serde_json::Value = serde_json::from_slice(&chain.stdout).unwrap();
    let step = |name: &str| report["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap().clone();
    assert_eq!(step("api")["state"], "failed", "{report}");
    assert!(step("api")["reason"].as_str().unwrap().contains(&holder), "{report}");
    assert_eq!(step("web")["state"], "skipped", "{report}");
    assert_eq!(runs_of(&host, "web"), 0);
}

#[test]
fn a_service_that_listens_through_a_child_or_a_fork_is_ready() {
    let host = TestHost::start();
    let child_port = free_port();
    // The shell stays the leader; the server is its child.
    let through_child = format!("'{}' --listen {child_port}; true", testsvc_bin().display());
    host.ok([
        "service",
        "add",
        "child",
        "--command",
        &through_child,
        "--port",
        &child_port.to_string(),
        "--health",
        "http:/",
    ]);
    let fork_port = free_port();
    // A wrapper that forks the server and waits for it.
    let wrapper = format!(
        "exec python3 -c 'import os; pid = os.fork(); os.execvp(\"python3\", [\"python3\", \"-m\", \"http.server\", \"{fork_port}\", \"--bind\", \"127.0.0.1\"]) if pid == 0 else os.waitpid(pid, 0)'"
    );
    host.ok(["service", "add", "forked", "--command", &wrapper, "--port", &fork_port.to_string(), "--health", "tcp"]);
    for name in ["child", "forked"] {
        let out = host.ok(["service", "start", name]);
        assert!(out.contains("ready"), "{name}: {out}");
    }
    let held = host.json(["port", &fork_port.to_string()]);
    assert_eq!(held["holder"]["service"], "forked", "{held}");
}

#[test]
fn a_squatter_that_takes_the_port_after_the_spawn_is_not_mistaken_for_the_service() {
    let host = TestHost::start();
    let port = free_port();
    let p = port.to_string();
    // Never listens: only the squatter will.
    host.ok([
        "service",
        "add",
        "api",
        "--command",
        "sleep 100",
        "--port",
        &p,
        "--health",
        "tcp",
        "--startup-timeout",
        "5",
    ]);
    let start = Command::new(nexsock_tests::nexsock_bin())
        .args(["service", "start", "api"])
        .env("NEXSOCK_HOME", host.home())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    host.wait_state("api", "starting", T);
    let squatter = Squatter::on(port);
    let out = start.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the squatter passed for the service");
    assert!(err.contains(&format!("pid {}", squatter.pid())) && err.contains("not this service"), "{err}");
    assert_eq!(host.status("api")["state"], "failed");
}

#[test]
fn free_port_stops_an_orphan_of_an_earlier_run() {
    let host = TestHost::start();
    let port = free_port();
    let p = port.to_string();
    // Its server escapes the service's process group (setsid) and outlives the run; the run ends
    // once the server listens (ending earlier, the run's group could be stopped before setsid).
    let leaky = format!(
        "setsid python3 -m http.server {port} --bind 127.0.0.1 > /dev/null 2>&1 &\n\
         python3 -c 'import socket, time\nwhile True:\n    try:\n        socket.create_connection((\"127.0.0.1\", {port})).close()\n        break\n    except OSError:\n        time.sleep(0.01)'"
    );
    host.ok(["service", "add", "leaky", "--command", &leaky]);
    host.ok(["service", "start", "leaky"]);
    wait_for("the orphan to listen", T, || TcpStream::connect(("127.0.0.1", port)).ok());
    host.wait_state("leaky", "completed", T);
    let held = host.json(["port", &p]);
    assert_eq!(held["holder"]["orphan_of"], "leaky", "{held}");
    let orphan = i32::try_from(held["holder"]["pid"].as_i64().unwrap()).unwrap();

    host.ok(["service", "add", "api", "--command", &server(port), "--port", &p, "--health", "http:/"]);
    let err = host.fails(["service", "start", "api"]);
    assert!(err.contains("left running by an earlier run of `leaky`") && err.contains("--free-port"), "{err}");
    let out = host.run(["service", "start", "api", "--free-port"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("freed port {port}: stopped pid {orphan}")), "{stderr}");
    assert!(!pid_alive(orphan), "the orphan was stopped");
    assert_eq!(host.json(["port", &p])["holder"]["service"], "api");
}

#[test]
fn kill_holder_ends_a_foreign_squatter_and_free_port_alone_only_names_it() {
    let host = TestHost::start();
    let port = free_port();
    let p = port.to_string();
    let mut squatter = Squatter::on(port);
    host.ok(["service", "add", "api", "--command", &server(port), "--port", &p, "--health", "http:/"]);
    let err = host.fails(["service", "start", "api", "--free-port"]);
    assert!(err.contains(&format!("held by pid {}", squatter.pid())), "{err}");
    assert!(squatter.0.try_wait().unwrap().is_none(), "a foreign process is only named without --kill-holder");
    let out = host.run(["service", "start", "api", "--free-port", "--kill-holder"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains(&format!("stopped pid {}", squatter.pid())), "{stderr}");
    assert!(squatter.0.try_wait().unwrap().is_some(), "the squatter was ended");
    assert_eq!(host.status("api")["state"], "ready");
}

#[test]
fn two_services_with_one_port_are_warned_about_and_never_run_together() {
    let host = TestHost::start();
    let port = free_port();
    let p = port.to_string();
    host.ok(["service", "add", "a", "--command", &server(port), "--port", &p, "--health", "http:/"]);
    let added = host.run(["service", "add", "b", "--command", &server(port), "--port", &p, "--health", "http:/"]);
    assert!(added.status.success());
    let warning = String::from_utf8_lossy(&added.stderr);
    assert!(warning.contains(&format!("port {port} is also declared by `a`")), "{warning}");
    host.ok(["service", "start", "a"]);
    let err = host.fails(["service", "start", "b"]);
    assert!(err.contains("held by nexsock service `a`"), "{err}");
    assert_eq!(host.status("a")["state"], "ready", "the running one is untouched");
    assert_eq!(runs_of(&host, "b"), 0);
    // --free-port stops our own service that holds it.
    host.ok(["service", "start", "b", "--free-port"]);
    assert_eq!(host.status("a")["state"], "stopped");
    assert_eq!(host.status("b")["state"], "ready");
    assert_eq!(host.json(["port", &p])["declared_by"], serde_json::json!(["a", "b"]));
}
