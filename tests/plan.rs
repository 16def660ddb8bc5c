//! The dry run of a chain start: the waves it plans are the ones the real start then runs, it
//! names a taken port's holder and the variables a tunnel would inject, and it changes nothing.

use nexsock_tests::TestHost;
use serde_json::Value;

fn add(host: &TestHost, name: &str, extra: &[&str]) {
    let mut args = vec!["service", "add", name, "--command", "echo ready; exec sleep 1000", "--health", "log:^ready$"];
    args.extend_from_slice(extra);
    host.ok(args);
}

/// The diamond: web -> (api, worker) -> db, and cache alone under web.
fn diamond(host: &TestHost) {
    for name in ["db", "api", "worker", "cache", "web"] {
        add(host, name, &[]);
    }
    for (from, to) in [("api", "db"), ("worker", "db"), ("web", "api"), ("web", "worker"), ("web", "cache")] {
        host.ok(["dependency", "add", from, "--depends-on", to]);
    }
}

fn state_files(host: &TestHost) -> Vec<Vec<u8>> {
    ["nexsock.db", "nexsock.db-wal"].iter().map(|f| std::fs::read(host.home().join(f)).unwrap_or_default()).collect()
}

#[test]
fn the_dry_run_plans_the_waves_the_real_start_runs_and_changes_nothing() {
    let host = TestHost::start();
    diamond(&host);
    let before = state_files(&host);
    let plan = host.json(["service", "start-chain", "web", "--dry-run"]);
    assert_eq!(state_files(&host), before, "a dry run writes nothing");
    assert!(host.json(["service", "list"]).as_array().unwrap().iter().all(|s| s["state"] == "stopped"));
    assert_eq!(host.ok(["service", "history", "web"]).trim(), "no executions yet");

    let waves: Vec<Vec<String>> = serde_json::from_value(plan["waves"].clone()).unwrap();
    let mut sorted = waves.clone();
    sorted.iter_mut().for_each(|w| w.sort());
    assert_eq!(sorted, [vec!["cache", "db"], vec!["api", "worker"], vec!["web"]], "{plan}");
    assert_eq!(plan["services"].as_array().unwrap().len(), 5);
    assert!(plan["services"].as_array().unwrap().iter().all(|s| s["action"] == "start"));

    // The real start spawns each wave only after the one before it.
    let report = host.json(["service", "start-chain", "web"]);
    assert_eq!(report["status"], "completed", "{report}");
    let spawned = |name: &str| -> u64 {
        let s = report["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
        s["spawned_ms"].as_u64().unwrap()
    };
    let ready = |name: &str| -> u64 {
        let s = report["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
        s["ready_ms"].as_u64().unwrap()
    };
    for pair in waves.windows(2) {
        for later in &pair[1] {
            let deps: Vec<&String> = pair[0].iter().filter(|d| plan_waits(&plan, later).contains(d)).collect();
            for dep in deps {
                assert!(spawned(later) >= ready(dep), "{later} spawned before {dep} was ready: {report}");
            }
        }
    }
    // On the running stack the plan starts nothing.
    let again = host.json(["service", "start-chain", "web", "--dry-run"]);
    assert_eq!(again["waves"], serde_json::json!([]));
    assert!(again["services"].as_array().unwrap().iter().all(|s| s["action"] == "already_ready"), "{again}");
    assert!(host.ok(["service", "start-chain", "web", "--dry-run"]).contains("nothing to start"));
}

fn plan_waits(plan: &Value, name: &str) -> Vec<String> {
    let s = plan["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
    s["waits"].as_array().unwrap().iter().map(|w| w["dependency"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_dry_run_names_a_taken_port_and_the_variables_a_tunnel_injects() {
    let host = TestHost::start();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    add(&host, "web", &["--port", &port]);
    add(&host, "client", &[]);
    host.ok(["profile", "add", "nowhere", "--provider", "bore", "--server", "127.0.0.1:1"]);
    host.ok(["dependency", "add", "client", "--depends-on", "web", "--tunnel", "--env-alias", "WEB_PUBLIC"]);
    let plan = host.json(["service", "start-chain", "client", "--dry-run"]);
    let web = plan["services"].as_array().unwrap().iter().find(|s| s["name"] == "web").unwrap();
    assert_eq!(web["port_holder"]["pid"], std::process::id(), "{plan}");
    let client = plan["services"].as_array().unwrap().iter().find(|s| s["name"] == "client").unwrap();
    assert_eq!(client["tunnels"], serde_json::json!(["web"]));
    assert_eq!(client["injects"], serde_json::json!(["NEXSOCK_TUNNEL_WEB_URL", "WEB_PUBLIC"]));
    let text = host.ok(["service", "start-chain", "client", "--dry-run"]);
    assert!(text.contains(&format!("{port}: taken by pid {}", std::process::id())), "{text}");
    assert!(text.contains("dry run: nothing was started"), "{text}");
    assert!(host.json(["tunnel", "list"]).as_array().unwrap().is_empty(), "no tunnel was opened");
    let without = host.json(["service", "start-chain", "client", "--dry-run", "--no-tunnels"]);
    let client = without["services"].as_array().unwrap().iter().find(|s| s["name"] == "client").unwrap();
    assert_eq!(client["tunnels"], serde_json::json!([]));
    drop(listener);
}
