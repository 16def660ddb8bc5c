//! Stack files through the real CLI: apply creates or updates in one transaction and reports what
//! changed; bad files change nothing; export round-trips; the demo stack applies.

use std::path::{Path, PathBuf};

use nexsock_tests::TestHost;
use serde_json::Value;

fn write(host: &TestHost, name: &str, text: &str) -> PathBuf {
    let path = host.home().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn changes(report: &Value, key: &str) -> Vec<String> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| match key {
            "services" => format!("{} {}", c["name"].as_str().unwrap(), c["change"].as_str().unwrap()),
            _ => format!(
                "{}->{} {}",
                c["service"].as_str().unwrap(),
                c["depends_on"].as_str().unwrap(),
                c["change"].as_str().unwrap()
            ),
        })
        .collect()
}

const STACK: &str = r#"
[services.db]
command = "echo ready; exec sleep 1000"
health = "log:ready"

[services.cache]
command = "exec sleep 1000"

[services.api]
command = "exec sleep 1000"
cwd = "."
env = { MODE = "dev" }
depends_on = ["db", "cache"]
"#;

#[test]
fn apply_creates_then_reports_updates_and_removals() {
    let host = TestHost::start();
    let file = write(&host, "stack.toml", STACK);
    let first = host.json(["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(changes(&first, "services"), ["api created", "cache created", "db created"]);
    assert_eq!(changes(&first, "dependencies"), ["api->db created", "api->cache created"], "declaration order");
    let listing = host.json(["dependency", "list", "api"]);
    assert_eq!(listing["dependencies"][1]["edge"]["condition"], "healthy", "db has a health check");
    let api = host.json(["service", "status", "api"]);
    assert_eq!(api["spec"]["cwd"], host.home().to_str().unwrap(), "cwd resolved against the stack file");

    let again = host.json(["apply", "-f", file.to_str().unwrap()]);
    assert!(changes(&again, "services").iter().all(|c| c.ends_with("unchanged")), "{again}");

    let edited = STACK
        .replace(r#"depends_on = ["db", "cache"]"#, r#"depends_on = { db = { condition = "started", timeout = 5 } }"#);
    let file = write(&host, "stack.toml", &edited);
    let third = host.json(["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(changes(&third, "dependencies"), ["api->db updated", "api->cache removed"]);
    let listing = host.json(["dependency", "list", "api"]);
    assert_eq!(listing["dependencies"].as_array().unwrap().len(), 1);
    assert_eq!(listing["dependencies"][0]["edge"]["timeout_secs"], 5);
}

#[test]
fn apply_warns_once_per_shared_port_and_reports_it() {
    let host = TestHost::start();
    let file = write(
        &host,
        "stack.toml",
        "[services.api]\ncommand = \"exec sleep 1000\"\nport = 18080\n\n\
         [services.web]\ncommand = \"exec sleep 1000\"\nport = 18080\n\n\
         [services.db]\ncommand = \"exec sleep 1000\"\nport = 15432\n",
    );
    let out = host.run(["apply", "-f", file.to_str().unwrap(), "--json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.starts_with("warning:")).collect();
    assert_eq!(warnings, ["warning: `api`, `web` declare port 18080; they cannot run at the same time"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["shared_ports"], serde_json::json!([{ "port": 18080, "services": ["api", "web"] }]));

    let alone = write(&host, "alone.toml", "[services.cache]\ncommand = \"exec sleep 1000\"\nport = 16379\n");
    let out = host.run(["apply", "-f", alone.to_str().unwrap(), "--json"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning:"));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["shared_ports"], serde_json::json!([]), "always there, empty when nothing is shared");
}

#[test]
fn a_stack_with_a_cycle_or_a_bad_service_changes_nothing() {
    let host = TestHost::start();
    let cyclic =
        write(&host, "cycle.toml", &format!("{STACK}\n[services.db.depends_on.api]\ncondition = \"started\"\n"));
    let err = host.fails(["apply", "-f", cyclic.to_str().unwrap()]);
    assert!(err.contains("dependency cycle") && err.contains("api") && err.contains("db"), "{err}");
    let bad_port = write(&host, "port.toml", &STACK.replace("[services.cache]\n", "[services.cache]\nport = 0\n"));
    let err = host.fails(["apply", "-f", bad_port.to_str().unwrap()]);
    assert!(err.contains("invalid port 0"), "{err}");
    let unknown = write(&host, "unknown.toml", "[services.a]\ncommand = \"true\"\ndepends_on = [\"ghost\"]\n");
    let err = host.fails(["apply", "-f", unknown.to_str().unwrap()]);
    assert!(err.contains("no service named `ghost`"), "{err}");
    let typo = write(&host, "typo.toml", "[services.a]\ncomand = \"true\"\n");
    let err = host.fails(["apply", "-f", typo.to_str().unwrap()]);
    assert!(err.contains("invalid stack file") && err.contains("comand"), "{err}");
    assert!(host.json(["service", "list"]).as_array().unwrap().is_empty());
}

#[test]
fn export_round_trips_through_apply() {
    let host = TestHost::start();
    let file = write(&host, "stack.toml", STACK);
    host.ok(["apply", "-f", file.to_str().unwrap()]);
    let exported = host.ok(["export"]);
    let other = TestHost::start();
    let copy = write(&other, "exported.toml", &exported);
    let report = other.json(["apply", "-f", copy.to_str().unwrap()]);
    assert!(changes(&report, "services").iter().all(|c| c.ends_with("created")));
    assert_eq!(other.ok(["export"]), exported);
}

#[test]
fn the_demo_stack_applies_with_its_dependency_graph() {
    let host = TestHost::start();
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/stack.toml");
    host.ok(["apply", "-f", demo.to_str().unwrap()]);
    let tree = host.ok(["dependency", "tree", "web"]);
    assert!(tree.contains("api (stopped) healthy") && tree.contains("migrate (stopped) completed"), "{tree}");
    let worker = host.json(["dependency", "list", "worker"]);
    assert_eq!(worker["dependencies"][0]["edge"]["depends_on"], "api");
}
