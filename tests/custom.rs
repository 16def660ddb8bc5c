//! What users declare at run time, end to end: a strategy over a built-in (`strategy add`) whose
//! priority services start first under its bound in a real chain start, and a `command` tunnel
//! profile whose stand-in tool prints a URL, serves, dies and is re-created with a new URL that
//! reaches the dependent. Bad declarations are typed errors that store nothing.

use std::time::Duration;

use nexsock_proto::{ClientError, ErrorCode, ProfileSpec, Request, StrategySpec};
use nexsock_tests::{TestHost, fixture, processes_with_arg, wait_for};
use serde_json::Value;

const T: Duration = Duration::from_secs(30);

/// Four independent services that take a moment to become ready, and `app` that needs them all.
fn fan_in(host: &TestHost) {
    for name in ["a", "b", "c", "d"] {
        host.ok([
            "service",
            "add",
            name,
            "--command",
            "sleep 0.3; echo ready; exec sleep 1000",
            "--health",
            "log:^ready$",
        ]);
    }
    host.ok(["service", "add", "app", "--command", "echo ready; exec sleep 1000", "--health", "log:^ready$"]);
    for name in ["a", "b", "c", "d"] {
        host.ok(["dependency", "add", "app", "--depends-on", name]);
    }
}

fn timing(report: &Value, name: &str) -> (u64, u64) {
    let s = report["services"].as_array().unwrap().iter().find(|s| s["name"] == name).unwrap();
    (s["spawned_ms"].as_u64().unwrap(), s["ready_ms"].as_u64().unwrap())
}

#[test]
fn a_declared_strategy_starts_its_priority_services_first_within_its_bound() {
    let host = TestHost::start();
    fan_in(&host);
    host.ok(["strategy", "add", "pinned", "--base", "concurrent", "--priority", "d,c", "--max-concurrent", "2"]);
    let listed = host.ok(["strategy", "list"]);
    assert!(listed.contains("pinned  (declared: base concurrent, priority d,c, max-concurrent 2)"), "{listed}");
    let config = std::fs::read_to_string(host.home().join("config.toml")).unwrap();
    assert!(config.contains("[strategies.pinned]"), "{config}");

    // Usable as the default: a chain start that names no strategy takes it.
    host.ok(["strategy", "default", "pinned"]);
    let report = host.json(["service", "start-chain", "app"]);
    assert_eq!((report["status"].as_str(), report["strategy"].as_str()), (Some("completed"), Some("pinned")));
    let [a, b, c, d] = ["a", "b", "c", "d"].map(|n| timing(&report, n));
    // Without the priority, `concurrent` would take a and b first (topological order).
    let first_ready = c.1.min(d.1);
    assert!(a.0 >= first_ready && b.0 >= first_ready, "a and b waited for a slot of c or d: {report}");
    // Never more than two between spawn and ready at once.
    let spans = [a, b, c, d, timing(&report, "app")];
    for &(spawned, _) in &spans {
        let busy = spans.iter().filter(|(s, r)| *s <= spawned && spawned < *r).count();
        assert!(busy <= 2, "{busy} starting at {spawned} ms: {report}");
    }

    // Removing it puts the built-in default back.
    host.ok(["service", "stop", "--all"]);
    host.ok(["strategy", "remove", "pinned"]);
    let settings = host.json(["strategy", "list"]);
    assert_eq!(settings["default_strategy"], "concurrent", "{settings}");
    assert_eq!(settings["custom_strategies"], serde_json::json!([]), "{settings}");
}

#[test]
fn a_hand_edited_strategy_in_config_toml_is_picked_up() {
    let host = TestHost::start();
    host.ok(["strategy", "list"]);
    let path = host.home().join("config.toml");
    let old = std::fs::read_to_string(&path).unwrap_or_default();
    std::fs::write(&path, format!("{old}\n[strategies.by-hand]\nbase = \"sequential\"\npriority = [\"db\"]\n"))
        .unwrap();
    let settings = host.json(["strategy", "list"]);
    assert!(settings["strategies"].as_array().unwrap().contains(&Value::from("by-hand")), "{settings}");
    assert_eq!(settings["custom_strategies"][0]["base"], "sequential", "{settings}");
}

async fn refused(client: &mut nexsock_proto::Client, request: Request) -> (ErrorCode, Option<String>) {
    match client.request(request.clone()).await {
        Err(ClientError::Api(err)) => (err.code, err.field),
        other => panic!("{request:?} was not refused: {other:?}"),
    }
}

fn strategy(name: &str, base: &str) -> Request {
    Request::AddStrategy(StrategySpec {
        name: name.into(),
        base: base.into(),
        priority: Vec::new(),
        max_concurrent: None,
    })
}

fn command_profile(name: &str, command: Option<&str>, pattern: Option<&str>) -> ProfileSpec {
    ProfileSpec {
        name: name.into(),
        provider: "command".parse().unwrap(),
        url: None,
        server: None,
        binary: None,
        command: command.map(str::to_owned),
        url_pattern: pattern.map(str::to_owned),
        token_env: None,
        url_timeout_secs: None,
    }
}

#[tokio::test]
async fn bad_declarations_are_typed_errors_that_store_nothing() {
    let host = TestHost::start();
    let mut client = nexsock_proto::Client::connect(&host.socket()).await.unwrap();
    let field = |f: &str| Some(f.to_owned());
    assert_eq!(refused(&mut client, strategy("bad name", "concurrent")).await, (ErrorCode::InvalidName, field("name")));
    assert_eq!(refused(&mut client, strategy("fast", "fastest")).await, (ErrorCode::UnknownStrategy, field("base")));
    assert_eq!(
        refused(&mut client, strategy("concurrent", "sequential")).await,
        (ErrorCode::DuplicateStrategy, field("name"))
    );
    client.request(strategy("mine", "sequential")).await.unwrap();
    assert_eq!(
        refused(&mut client, strategy("mine", "concurrent")).await,
        (ErrorCode::DuplicateStrategy, field("name"))
    );
    // A declared strategy is no base: the base's rules are a built-in's.
    assert_eq!(refused(&mut client, strategy("on-mine", "mine")).await, (ErrorCode::UnknownStrategy, field("base")));
    let removed = Request::RemoveStrategy { name: "sequential".into() };
    assert_eq!(refused(&mut client, removed).await.0, ErrorCode::InvalidArgument);
    let settings = host.json(["strategy", "list"]);
    assert_eq!(settings["custom_strategies"].as_array().map(Vec::len), Some(1), "{settings}");

    let tool = fixture("fake-url-tool").display().to_string();
    let no_port = command_profile("p", Some(&format!("{tool} --port 80")), Some("(http://\\S+)"));
    assert_eq!(refused(&mut client, Request::AddProfile(no_port)).await, (ErrorCode::InvalidProfile, field("command")));
    let no_pattern = command_profile("p", Some(&format!("{tool} --port {{port}}")), None);
    assert_eq!(
        refused(&mut client, Request::AddProfile(no_pattern)).await,
        (ErrorCode::InvalidProfile, field("url_pattern"))
    );
    let bad_pattern = command_profile("p", Some(&format!("{tool} --port {{port}}")), Some("(unclosed"));
    assert_eq!(
        refused(&mut client, Request::AddProfile(bad_pattern)).await,
        (ErrorCode::InvalidProfile, field("url_pattern"))
    );
    assert_eq!(host.json(["profile", "list"]), serde_json::json!([]));

    // A pattern that never matches: a typed timeout naming the pattern; no URL, no process left.
    let tag = host.home().join("silent").display().to_string();
    let silent = format!("{tool} --port {{port}} --silent --tag {tag}");
    host.ok([
        "profile",
        "add",
        "quiet",
        "--provider",
        "command",
        "--command",
        &silent,
        "--url-pattern",
        "Forwarding: (http://\\S+)",
        "--url-timeout",
        "1",
    ]);
    host.ok([
        "service",
        "add",
        "web",
        "--command",
        "exec sleep 1000",
        "--port",
        &nexsock_tests::free_port().to_string(),
    ]);
    host.ok(["service", "start", "web"]);
    let Err(ClientError::Api(err)) = client.request(Request::OpenTunnel { service: "web".into(), profile: None }).await
    else {
        panic!("a tool that prints no URL opened a tunnel");
    };
    assert_eq!(err.code, ErrorCode::TunnelTimeout, "{err:?}");
    assert!(err.message.contains("Forwarding: (http://\\S+)") && err.message.contains("within 1 s"), "{err:?}");
    let tunnels = host.json(["tunnel", "list"]);
    assert!(tunnels.as_array().unwrap().iter().all(|t| t["public_url"].is_null()), "{tunnels}");
    wait_for("the silent tool to be stopped", T, || processes_with_arg(&tag).is_empty().then_some(()));
}

fn http_get(url: &str) -> Option<String> {
    use std::io::{Read, Write};
    let addr = url.strip_prefix("http://")?.trim_end_matches('/');
    let mut stream = std::net::TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET / HTTP/1.0\r\nHost: {addr}\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    body.starts_with("HTTP/1.0 200").then_some(body)
}

fn open_url(host: &TestHost) -> Option<String> {
    let tunnels = host.json(["tunnel", "list"]);
    let t = &tunnels[0];
    (t["status"] == "open").then(|| t["public_url"].as_str().unwrap().to_owned())
}

#[test]
fn a_command_tunnel_serves_and_when_its_tool_dies_is_recreated_with_a_new_url_for_the_dependent() {
    // The host holds a variable that the profile names for its token: no service inherits it.
    let host = TestHost::start_with_env(&[("FAKE_TOOL_TOKEN", "held-by-the-host")]);
    let tag = host.home().display().to_string();
    let template = format!("'{}' --port {{port}} --tag {tag}", fixture("fake-url-tool").display());
    host.ok([
        "profile",
        "add",
        "run",
        "--provider",
        "command",
        "--command",
        &template,
        "--url-pattern",
        "Forwarding: (http://\\S+)",
        "--token-env",
        "FAKE_TOOL_TOKEN",
    ]);
    host.add_http_service("web", "http:/", Some("hello through the command tunnel"));
    host.ok([
        "service",
        "add",
        "client",
        "--command",
        "echo \"web is at $NEXSOCK_TUNNEL_WEB_URL\"; env; exec sleep 1000",
        "--health",
        "log:web is at",
    ]);
    host.ok(["dependency", "add", "client", "--depends-on", "web", "--tunnel", "--tunnel-mode", "required"]);

    let report = host.json(["service", "start-chain", "client"]);
    assert_eq!(report["status"], "completed", "{report}");
    let tunnels = host.json(["tunnel", "list"]);
    assert_eq!(tunnels[0]["provider"], "command", "{tunnels}");
    let first = open_url(&host).expect("open");
    assert!(wait_for("a page through the tunnel", T, || http_get(&first)).contains("hello through the command tunnel"));
    let logs = host.ok(["service", "logs", "client"]);
    assert!(logs.contains(&format!("web is at {first}")), "{logs}");
    assert!(!logs.contains("held-by-the-host"), "a service inherited the profile's token variable: {logs}");

    // The tool dies: the tunnel is re-created with a new URL, and the dependent restarted with it.
    let tools = processes_with_arg(&tag);
    assert_eq!(tools.len(), 1, "{tools:?}");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(tools[0].0), nix::sys::signal::Signal::SIGKILL).unwrap();
    let second = wait_for("the tunnel to be re-created", T, || open_url(&host).filter(|u| *u != first));
    wait_for("the client to restart with the new URL", T, || {
        host.ok(["service", "logs", "client"]).contains(&format!("web is at {second}")).then_some(())
    });
    assert!(wait_for("the new URL to serve", T, || http_get(&second)).contains("hello through the command tunnel"));

    // Stopping the service closes the tunnel and ends its tool.
    host.ok(["service", "stop", "web", "--cascade"]);
    wait_for("the tool to be stopped", T, || processes_with_arg(&tag).is_empty().then_some(()));
}
