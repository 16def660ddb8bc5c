//! Dependency edges through the real CLI: defaults, refusals that write nothing, cycles named,
//! list and tree with live states.

use nexsock_tests::TestHost;

fn host_with(services: &[&str]) -> TestHost {
    let host = TestHost::start();
    for s in services {
        host.ok(["service", "add", s, "--command", "sleep 1000"]);
    }
    host
}

#[test]
fn the_default_condition_is_healthy_only_when_the_dependency_has_a_check() {
    let host = host_with(&["web"]);
    host.ok(["service", "add", "db", "--command", "echo ready; sleep 1000", "--health", "log:ready"]);
    host.ok(["service", "add", "cache", "--command", "sleep 1000"]);
    let with_check = host.json(["dependency", "add", "web", "--depends-on", "db"]);
    assert_eq!(with_check["edge"]["condition"], "healthy");
    assert_eq!(with_check["change"], "created");
    let without = host.json(["dependency", "add", "web", "--depends-on", "cache"]);
    assert_eq!(without["edge"]["condition"], "started");
    let again = host.json(["dependency", "add", "web", "--depends-on", "cache", "--optional"]);
    assert_eq!(again["change"], "updated");
    assert_eq!(again["edge"]["required"], false);
}

#[test]
fn a_cycle_is_refused_with_its_path_and_nothing_is_written() {
    let host = host_with(&["web-api", "cache", "db"]);
    host.ok(["dependency", "add", "web-api", "--depends-on", "cache"]);
    host.ok(["dependency", "add", "cache", "--depends-on", "db"]);
    let before = host.ok(["dependency", "list", "db", "--json"]);
    let err = host.fails(["dependency", "add", "db", "--depends-on", "web-api"]);
    assert!(err.contains("dependency cycle: db -> web-api -> cache -> db"), "{err}");
    let err = host.fails(["dependency", "add", "cache", "--depends-on", "web-api"]);
    assert!(err.contains("cache -> web-api -> cache"), "{err}");
    assert_eq!(host.ok(["dependency", "list", "db", "--json"]), before);
}

#[test]
fn conditions_that_could_never_be_met_are_refused_when_the_edge_is_added() {
    let host = host_with(&["web", "db"]);
    let err = host.fails(["dependency", "add", "web", "--depends-on", "db", "--condition", "healthy"]);
    assert!(err.contains("needs a health check on `db`"), "{err}");
    let err = host.fails(["dependency", "add", "web", "--depends-on", "db", "--condition", "log"]);
    assert!(err.contains("log:REGEX"), "{err}");
    let err = host.fails(["dependency", "add", "web", "--depends-on", "ghost"]);
    assert!(err.contains("no service named `ghost`"), "{err}");
    let err = host.fails(["dependency", "add", "web", "--depends-on", "db", "--env-alias", "1BAD", "--tunnel"]);
    assert!(err.contains("not a valid environment variable name"), "{err}");
    let listing = host.json(["dependency", "list", "web"]);
    assert!(listing["dependencies"].as_array().unwrap().is_empty());
}

#[test]
fn list_and_tree_show_both_directions_with_live_states() {
    let host = host_with(&["web", "api", "db", "cache"]);
    host.ok(["dependency", "add", "web", "--depends-on", "api"]);
    host.ok(["dependency", "add", "api", "--depends-on", "db"]);
    host.ok(["dependency", "add", "api", "--depends-on", "cache", "--optional"]);
    host.ok(["service", "start", "db"]);
    let listing = host.json(["dependency", "list", "api"]);
    let deps: Vec<_> =
        listing["dependencies"].as_array().unwrap().iter().map(|d| d["edge"]["depends_on"].clone()).collect();
    assert_eq!(deps, ["cache", "db"]);
    assert_eq!(listing["dependents"][0]["edge"]["service"], "web");
    let tree = host.ok(["dependency", "tree", "web"]);
    let expected = "web (stopped)\n└── api (stopped) started\n    ├── cache (stopped) started, optional\n    └── db (ready) started\n";
    assert_eq!(tree, expected);
    host.ok(["dependency", "remove", "api", "--depends-on", "cache"]);
    let err = host.fails(["dependency", "remove", "api", "--depends-on", "cache"]);
    assert!(err.contains("does not depend on"), "{err}");
}
