//! The everyday path a new user walks: edit a service (and see that a restart applies it), hear
//! what a remove or a stop does to the graph, keep secrets out of plain output, and round-trip a
//! stack through export and apply (dry run and prune included).

use std::time::Duration;

use nexsock_tests::{TestHost, free_port, wait_for};
use serde_json::Value;

const T: Duration = Duration::from_secs(20);

/// A service that prints its MODE and stays up.
fn add_moded(host: &TestHost, name: &str, port: u16) {
    host.ok([
        "service",
        "add",
        name,
        "--command",
        "echo mode=$MODE; exec sleep 1000",
        "--port",
        &port.to_string(),
        "--env",
        "MODE=dev",
        "--env",
        "API_TOKEN=tok-4711-secret",
    ]);
}

fn detail(host: &TestHost, name: &str) -> Value {
    host.json(["service", "status", name])
}

#[test]
fn an_edit_of_a_running_service_says_restart_to_apply_until_it_restarts() {
    let host = TestHost::start();
    let (old, new) = (free_port(), free_port());
    add_moded(&host, "api", old);
    host.ok(["service", "start", "api"]);
    let out = host.ok(["service", "edit", "api", "--port", &new.to_string(), "--env", "MODE=prod"]);
    assert!(out.contains("edited api"), "{out}");
    assert!(out.contains("`nexsock service restart api` applies it"), "{out}");

    let list = host.ok(["service", "list"]);
    assert!(list.lines().any(|l| l.starts_with("api") && l.contains("restart to apply")), "{list}");
    assert!(host.ok(["service", "status", "api"]).contains("ready (restart to apply)"));
    assert_eq!(host.status("api")["restart_to_apply"], true);
    let d = detail(&host, "api");
    assert_eq!(d["spec"]["port"], new);
    assert_eq!(d["spec"]["env"]["MODE"], "prod");
    assert_eq!(d["status"]["restart_to_apply"], true);

    host.ok(["service", "restart", "api"]);
    assert_eq!(host.status("api")["restart_to_apply"], false);
    wait_for("the new definition's output", T, || {
        host.ok(["service", "logs", "api"]).contains("mode=prod").then_some(())
    });
    // The edit kept the secret it did not name.
    let revealed = host.json(["service", "status", "api", "--reveal"]);
    assert_eq!(revealed["spec"]["env"]["API_TOKEN"], "tok-4711-secret");
}

#[test]
fn an_edit_is_validated_like_add_and_changes_nothing_when_refused() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "echo ready; exec sleep 1000", "--health", "log:^ready$"]);
    host.ok(["service", "add", "api", "--command", "exec sleep 1000"]);
    host.ok(["dependency", "add", "api", "--depends-on", "db", "--condition", "healthy"]);
    let err = host.fails(["service", "edit", "db", "--no-health"]);
    assert!(err.contains("healthy") && err.contains("health check"), "{err}");
    assert_eq!(detail(&host, "db")["spec"]["health"]["pattern"], "^ready$");
    let err = host.fails(["service", "edit", "db", "--port", "70000"]);
    assert!(err.contains("port"), "{err}");
    let err = host.fails(["service", "edit", "nope", "--port", "3000"]);
    assert!(err.contains("no service named `nope`"), "{err}");
    let err = host.fails(["service", "edit", "db", "--unset-env", "NOPE"]);
    assert!(err.contains("has no variable NOPE"), "{err}");
}

#[test]
fn remove_names_the_edges_it_removes() {
    let host = TestHost::start();
    for name in ["db", "api", "web", "worker"] {
        host.ok(["service", "add", name, "--command", "exec sleep 1000"]);
    }
    for (from, to) in [("api", "db"), ("web", "api"), ("worker", "api")] {
        host.ok(["dependency", "add", from, "--depends-on", to]);
    }
    let out = host.ok(["service", "remove", "api"]);
    assert!(out.contains("removed api and its dependencies api -> db, web -> api, worker -> api"), "{out}");
    let json = host.json(["service", "remove", "web"]);
    assert_eq!(json["removed"], "web");
    assert_eq!(json["edges"].as_array().map(Vec::len), Some(0), "web's edge went with api: {json}");
}

#[test]
fn stop_warns_about_running_dependents_and_cascade_reports_every_stop() {
    let host = TestHost::start();
    for name in ["db", "api", "worker", "idle"] {
        host.ok(["service", "add", name, "--command", "exec sleep 1000"]);
    }
    host.ok(["dependency", "add", "api", "--depends-on", "db"]);
    host.ok(["dependency", "add", "worker", "--depends-on", "api"]);
    host.ok(["dependency", "add", "idle", "--depends-on", "db"]);
    host.ok(["service", "start", "worker", "--smart"]);

    let out = host.run(["service", "stop", "api"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success());
    assert!(err.contains("warning: worker depends on api and is still running"), "{err}");
    assert!(err.contains("`nexsock service stop api --cascade`"), "{err}");

    // A plain start with a dependency down says how to start the chain.
    let out = host.run(["service", "start", "worker"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("worker depends on api (stopped), not ready"), "{err}");
    assert!(err.contains("--smart"), "{err}");

    host.ok(["service", "start", "worker", "--smart"]);
    let stopped = host.json(["service", "stop", "db", "--cascade"]);
    let names: Vec<&str> = stopped.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["worker", "api", "db"], "every service it stopped, dependents first (idle was down)");
    assert!(stopped.as_array().unwrap().iter().all(|s| s["state"] == "stopped"), "{stopped}");
    host.ok(["service", "start", "worker", "--smart"]);
    let out = host.ok(["service", "stop", "db", "--cascade"]);
    assert_eq!(out.trim(), "stopped worker, api, db");
}

#[test]
fn a_token_is_masked_in_status_json_events_and_export() {
    let host = TestHost::start();
    let events = host.follow(&["events", "--json"]);
    add_moded(&host, "api", free_port());
    host.ok(["service", "start", "api"]);
    for output in [
        host.ok(["service", "status", "api"]),
        host.ok(["service", "status", "api", "--json"]),
        host.ok(["service", "list", "--json"]),
        host.ok(["service", "add", "other", "--command", "true", "--env", "DB_PASSWORD=hunter2-pw"]),
        host.ok(["export"]),
        host.ok(["export", "--json"]),
    ] {
        assert!(!output.contains("tok-4711-secret") && !output.contains("hunter2-pw"), "a secret leaked: {output}");
    }
    assert!(host.ok(["service", "status", "api", "--reveal"]).contains("API_TOKEN=tok-4711-secret"));
    let exported = host.ok(["export"]);
    assert!(exported.contains("API_TOKEN = \"${API_TOKEN}\""), "{exported}");
    // The events said everything about api's add and start, and no secret.
    let mut seen = Vec::new();
    wait_for("api's start in the events", T, || {
        while let Ok(line) = events.lines.try_recv() {
            seen.push(line);
        }
        seen.iter().any(|l| l.contains("\"other\"")).then_some(())
    });
    for line in &seen {
        assert!(!line.contains("tok-4711-secret") && !line.contains("hunter2-pw"), "an event leaked: {line}");
    }
    let log = std::fs::read_to_string(host.home().join("daemon.out")).unwrap_or_default();
    assert!(!log.contains("tok-4711-secret"), "the host's own output leaked the token");
}

#[test]
fn export_then_apply_elsewhere_reproduces_relative_paths_and_keeps_secrets() {
    let host = TestHost::start();
    let project = host.home().join("project");
    std::fs::create_dir_all(project.join("api")).unwrap();
    host.ok([
        "service",
        "add",
        "api",
        "--command",
        "exec sleep 1000",
        "--cwd",
        project.join("api").to_str().unwrap(),
        "--env",
        "API_TOKEN=tok-4711-secret",
    ]);
    let file = project.join("stack.toml");
    host.ok(["export", "-o", file.to_str().unwrap()]);
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("cwd = \"api\""), "cwd relative to the file: {text}");
    assert!(!text.contains("startup_timeout") && !text.contains("stop_grace"), "defaults left out: {text}");

    // Another host, the project moved: relative paths follow the file.
    let other = TestHost::start();
    let moved = other.home().join("moved");
    std::fs::create_dir_all(moved.join("api")).unwrap();
    std::fs::copy(&file, moved.join("stack.toml")).unwrap();
    // The secret is a reference: without it in the environment a new service is refused.
    let err = other.fails(["apply", "-f", moved.join("stack.toml").to_str().unwrap()]);
    assert!(err.contains("set API_TOKEN in the environment"), "{err}");
    let out = std::process::Command::new(nexsock_tests::nexsock_bin())
        .args(["apply", "-f", moved.join("stack.toml").to_str().unwrap()])
        .env("NEXSOCK_HOME", other.home())
        .env("API_TOKEN", "from-env")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let d = other.json(["service", "status", "api", "--reveal"]);
    assert_eq!(d["spec"]["cwd"], moved.join("api").to_str().unwrap());
    assert_eq!(d["spec"]["env"]["API_TOKEN"], "from-env");
    // On the first host, the reference keeps the stored value.
    host.ok(["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(host.json(["service", "status", "api", "--reveal"])["spec"]["env"]["API_TOKEN"], "tok-4711-secret");
}

#[test]
fn apply_dry_run_changes_nothing_and_prune_removes_what_the_file_dropped() {
    let host = TestHost::start();
    host.ok(["service", "add", "old", "--command", "exec sleep 1000"]);
    let file = host.home().join("stack.toml");
    std::fs::write(&file, "[services.web]\ncommand = \"exec sleep 1000\"\n").unwrap();
    let out = host.ok(["apply", "-f", file.to_str().unwrap(), "--dry-run", "--prune"]);
    assert!(out.contains("service web: created") && out.contains("service old: removed"), "{out}");
    assert!(out.contains("dry run: nothing was changed"), "{out}");
    let names = |host: &TestHost| -> Vec<String> {
        host.json(["service", "list"])
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&host), ["old"]);
    host.ok(["service", "start", "old"]);
    let err = host.fails(["apply", "-f", file.to_str().unwrap(), "--prune"]);
    assert!(err.contains("old") && err.contains("ready"), "a running service is not pruned: {err}");
    assert_eq!(names(&host), ["old"], "nothing changed");
    host.ok(["service", "stop", "old"]);
    host.ok(["apply", "-f", file.to_str().unwrap(), "--prune"]);
    assert_eq!(names(&host), ["web"]);
}

#[test]
fn a_stack_entry_without_a_command_updates_only_what_it_gives() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "exec sleep 1000", "--port", &free_port().to_string()]);
    host.ok(["service", "add", "api", "--command", "exec sleep 999", "--env", "A=1"]);
    let file = host.home().join("more.toml");
    std::fs::write(&file, "[services.api]\ndepends_on = [\"db\"]\nenv = { B = \"2\" }\n").unwrap();
    host.ok(["apply", "-f", file.to_str().unwrap()]);
    let api = host.json(["service", "status", "api"]);
    assert_eq!(api["spec"]["command"], "exec sleep 999");
    assert_eq!(api["spec"]["env"], serde_json::json!({ "A": "1", "B": "2" }));
    let deps = host.json(["dependency", "list", "api"]);
    assert_eq!(deps["dependencies"][0]["edge"]["depends_on"], "db", "{deps}");
    // An entry without a command for a service that does not exist is refused.
    std::fs::write(&file, "[services.ghost]\nport = 3000\n").unwrap();
    let err = host.fails(["apply", "-f", file.to_str().unwrap()]);
    assert!(err.contains("service `ghost` does not exist yet: its entry needs a `command`"), "{err}");
}

#[test]
fn what_a_check_answered_while_starting_is_not_the_reason_of_a_later_stop() {
    let host = TestHost::start();
    let port = free_port().to_string();
    // Up after 0.5 s (refused before: the check's answer is the reason while it starts); its
    // leader ignores SIGTERM, so a stop lasts its 3 s grace and can be looked at.
    let command = format!(
        "trap '' TERM; sleep 0.5; python3 -m http.server {port} --bind 127.0.0.1 & while true; do sleep 0.1; done"
    );
    host.ok(["service", "add", "web", "--command", &command, "--port", &port, "--health", "tcp", "--stop-grace", "3"]);
    host.ok(["service", "start", "web"]);
    let stop = std::process::Command::new(nexsock_tests::nexsock_bin())
        .args(["service", "stop", "web"])
        .env("NEXSOCK_HOME", host.home())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stopping = wait_for("web to be stopping", T, || {
        let status = host.status("web");
        (status["state"] == "stopping").then_some(status)
    });
    assert!(stopping["reason"].is_null(), "a stale check answer: {stopping}");
    let _ = stop.wait_with_output();
}
