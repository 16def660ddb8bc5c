//! Tags group services: `start-batch --tag` starts the union of a group's chains, `list --tag`
//! filters, `edit` adds and removes them, and they survive export and apply.

use nexsock_tests::TestHost;

fn names(v: &serde_json::Value) -> Vec<String> {
    let mut n: Vec<String> = v.as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
    n.sort();
    n
}

#[test]
fn a_tag_selects_a_group_to_list_and_to_start_with_its_chains() {
    let host = TestHost::start();
    host.ok(["service", "add", "db", "--command", "exec sleep 1000"]);
    host.ok(["service", "add", "api", "--command", "exec sleep 1000", "--tag", "backend"]);
    host.ok(["service", "add", "worker", "--command", "exec sleep 1000", "--tag", "backend,jobs"]);
    host.ok(["service", "add", "web", "--command", "exec sleep 1000", "--tag", "frontend"]);
    host.ok(["dependency", "add", "api", "--depends-on", "db"]);
    assert_eq!(names(&host.json(["service", "list", "--tag", "backend"])), ["api", "worker"]);
    assert!(
        host.ok(["service", "status", "worker"]).lines().any(|l| l.starts_with("tags") && l.ends_with("backend, jobs"))
    );

    let report = host.json(["service", "start-batch", "--tag", "backend"]);
    assert_eq!(report["status"], "completed", "{report}");
    let started: Vec<String> = {
        let mut s: Vec<String> =
            report["services"].as_array().unwrap().iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect();
        s.sort();
        s
    };
    assert_eq!(started, ["api", "db", "worker"], "the group with its chains, web left out");
    assert_eq!(host.status("web")["state"], "stopped");

    let err = host.fails(["service", "start-batch", "--tag", "backnd"]);
    assert!(err.contains("no service has the tag `backnd` (did you mean `backend`?)"), "{err}");
    let err = host.fails(["service", "add", "bad", "--command", "true", "--tag", "no spaces"]);
    assert!(err.contains("invalid tag `no spaces`"), "{err}");

    host.ok(["service", "edit", "web", "--tag", "backend", "--untag", "frontend"]);
    assert_eq!(names(&host.json(["service", "list", "--tag", "backend"])), ["api", "web", "worker"]);
    let err = host.fails(["service", "edit", "web", "--untag", "frontend"]);
    assert!(err.contains("has no tag frontend"), "{err}");
}

#[test]
fn tags_survive_export_and_apply() {
    let host = TestHost::start();
    host.ok(["service", "add", "api", "--command", "exec sleep 1000", "--tag", "backend"]);
    let file = host.home().join("stack.toml");
    host.ok(["export", "-o", file.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&file).unwrap().contains("tags = [\"backend\"]"));
    let other = TestHost::start();
    other.ok(["apply", "-f", file.to_str().unwrap()]);
    assert_eq!(names(&other.json(["service", "list", "--tag", "backend"])), ["api"]);
}
