//! A real tunnel end to end: a bore server on a loopback address of the test's own, a service
//! behind it, an HTTP request through the public address reaching the service, the URL injected
//! into a dependent whose own output shows it, and self-healing when the server goes away.

use std::time::Duration;

use nexsock_tests::{BoreServer, TestHost, free_port, wait_for};

const T: Duration = Duration::from_secs(30);

fn http_get(url: &str) -> Option<String> {
    let rest = url.strip_prefix("http://")?;
    let (host, port) = rest.split_once(':')?;
    let port: u16 = port.trim_end_matches('/').parse().ok()?;
    let mut stream = std::net::TcpStream::connect((host, port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    use std::io::{Read, Write};
    write!(stream, "GET / HTTP/1.0\r\nHost: {host}\r\n\r\n").ok()?;
    let mut body = String::new();
    stream.read_to_string(&mut body).ok()?;
    body.starts_with("HTTP/1.0 200").then_some(body)
}

/// web (a real HTTP server) behind a bore tunnel; client depends on web with --tunnel and prints
/// the URL it was given.
fn stack(host: &TestHost, server: &BoreServer) -> String {
    host.ok(["profile", "add", "team", "--provider", "bore", "--server", &server.ip.to_string()]);
    let port = host.add_http_service("web", "http:/", Some("hello through the tunnel")).to_string();
    host.ok([
        "service",
        "add",
        "client",
        "--command",
        "echo \"web is at $NEXSOCK_TUNNEL_WEB_URL alias $WEB_PUBLIC\"; exec sleep 1000",
        "--health",
        "log:web is at",
    ]);
    host.ok([
        "dependency",
        "add",
        "client",
        "--depends-on",
        "web",
        "--tunnel",
        "--tunnel-mode",
        "required",
        "--env-alias",
        "WEB_PUBLIC",
    ]);
    port
}

#[test]
fn a_bore_tunnel_carries_http_and_its_url_reaches_the_dependent() {
    let server = BoreServer::start();
    let host = TestHost::start();
    stack(&host, &server);
    let report = host.json(["service", "start-chain", "client"]);
    assert_eq!(report["status"], "completed", "{report}");
    let tunnels = host.json(["tunnel", "list"]);
    let tunnel = &tunnels[0];
    assert_eq!(
        (tunnel["service"].as_str(), tunnel["provider"].as_str(), tunnel["status"].as_str()),
        (Some("web"), Some("bore"), Some("open"))
    );
    let url = tunnel["public_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("http://{}:", server.ip)), "{url}");
    let page = wait_for("a page through the tunnel", T, || http_get(&url));
    assert!(page.contains("hello through the tunnel"), "{page}");
    // What the service printed, without nexsock's run markers (`── run N started … ──`).
    let logs = host.ok(["service", "logs", "client"]);
    let printed: Vec<&str> = logs.lines().filter(|l| !l.starts_with("──")).collect();
    assert_eq!(printed, [format!("web is at {url} alias {url}")]);
    let env = host.json(["service", "env", "client", "--show-tunnel-vars"]);
    let vars: Vec<_> =
        env.as_array().unwrap().iter().map(|v| (v["name"].as_str().unwrap(), v["value"].as_str().unwrap())).collect();
    assert!(
        vars.contains(&("NEXSOCK_TUNNEL_WEB_URL", url.as_str())) && vars.contains(&("WEB_PUBLIC", url.as_str())),
        "{env}"
    );
    // Stopping the service closes its tunnel.
    host.ok(["service", "stop", "web", "--cascade"]);
    assert!(host.json(["tunnel", "list"]).as_array().unwrap().is_empty());
    let db = rusqlite::Connection::open(host.database()).unwrap();
    let status: String = db.query_row("SELECT status FROM tunnel ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(status, "closed");
}

#[test]
fn a_dropped_tunnel_is_recreated_and_the_dependent_restarted_with_the_new_url() {
    let mut server = BoreServer::start();
    let host = TestHost::start();
    stack(&host, &server);
    // An edge that opts out keeps its dependent running with the old URL.
    host.ok(["service", "add", "steady", "--command", "exec sleep 1000"]);
    host.ok(["dependency", "add", "steady", "--depends-on", "web", "--tunnel", "--no-restart-on-new-url"]);
    host.json(["service", "start-batch", "client,steady"]);
    let first = host.json(["tunnel", "list"])[0]["public_url"].as_str().unwrap().to_owned();
    let client_pid = host.status("client")["pid"].clone();
    let steady_pid = host.status("steady")["pid"].clone();
    let ip = server.ip;
    server.stop();
    // Noticed within the health interval: failed, then healing with back-off once the server is back.
    wait_for("the tunnel to be marked failed", T, || {
        let t = host.json(["tunnel", "list"]);
        (t[0]["status"] == "failed").then_some(())
    });
    let _server = BoreServer::start_on(ip, None);
    let second = wait_for("the tunnel to be recreated", T, || {
        let t = host.json(["tunnel", "list"]);
        (t[0]["status"] == "open").then(|| t[0]["public_url"].as_str().unwrap().to_owned())
    });
    assert_ne!(first, second, "a new bore session gets a new port");
    let logs = wait_for("the client to restart with the new URL", T, || {
        let logs = host.ok(["service", "logs", "client"]);
        logs.contains(&second).then_some(logs)
    });
    assert!(logs.contains(&first), "the first run saw the first URL: {logs}");
    host.wait_state("client", "ready", T);
    assert_ne!(host.status("client")["pid"], client_pid, "restarted");
    assert_eq!(host.status("steady")["pid"], steady_pid, "the opted-out dependent kept running");
    assert!(wait_for("the new URL to serve", T, || http_get(&second)).contains("hello through the tunnel"));
}

#[test]
fn a_required_tunnel_that_cannot_open_fails_the_dependent() {
    let host = TestHost::start();
    // Nothing listens on this loopback address: the bore client cannot connect.
    host.ok(["profile", "add", "nowhere", "--provider", "bore", "--server", "127.79.0.1"]);
    let port = free_port().to_string();
    host.ok(["service", "add", "web", "--command", "exec sleep 1000", "--port", &port]);
    host.ok(["service", "add", "client", "--command", "exec sleep 1000"]);
    host.ok(["dependency", "add", "client", "--depends-on", "web", "--tunnel", "--tunnel-mode", "required"]);
    let out = host.run(["service", "start-chain", "client", "--json"]);
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let client = report["services"].as_array().unwrap().iter().find(|s| s["name"] == "client").unwrap().clone();
    assert_eq!(client["state"], "failed");
    assert!(client["reason"].as_str().unwrap().contains("required tunnel to web failed"), "{client}");
    // optional: warns and starts without the variable
    host.ok(["dependency", "add", "client", "--depends-on", "web", "--tunnel", "--tunnel-mode", "optional"]);
    let report = host.json(["service", "start-chain", "client"]);
    assert_eq!(report["status"], "completed", "{report}");
    let env = host.json(["service", "env", "client", "--show-tunnel-vars"]);
    let var = env.as_array().unwrap().iter().find(|v| v["name"] == "NEXSOCK_TUNNEL_WEB_URL").unwrap().clone();
    assert!(var["value"].is_null(), "no URL while the tunnel is not open: {env}");
}

#[test]
fn switching_a_services_profile_reopens_its_tunnel_there_and_qr_shows_the_url() {
    let first = BoreServer::start();
    let second = BoreServer::start();
    let host = TestHost::start();
    host.ok(["profile", "add", "one", "--provider", "bore", "--server", &first.ip.to_string()]);
    host.ok(["profile", "add", "two", "--provider", "bore", "--server", &second.ip.to_string()]);
    let profiles = host.json(["profile", "list"]);
    assert_eq!(profiles[0]["spec"]["name"], "one");
    assert_eq!(profiles[0]["is_default"], true, "the first profile becomes the default");
    host.add_http_service("web", "tcp", None);
    let started = host.json(["service", "start", "web", "--tunnel"]);
    let url = started["public_url"].as_str().unwrap().to_owned();
    assert!(url.starts_with(&format!("http://{}:", first.ip)), "{url}");
    let qr = host.ok(["tunnel", "qr", "web"]);
    assert!(qr.trim_end().ends_with(&url) && qr.contains('█'), "{qr}");

    host.ok(["service", "config", "web", "--ngrok-profile", "two"]);
    let moved = wait_for("the tunnel to reopen on the second server", T, || {
        let t = host.json(["tunnel", "list"]);
        let url = t[0]["public_url"].as_str().unwrap_or_default().to_owned();
        (t[0]["status"] == "open" && t[0]["profile"] == "two").then_some(url)
    });
    assert!(moved.starts_with(&format!("http://{}:", second.ip)), "{moved}");
    assert!(wait_for("a page through the new tunnel", T, || http_get(&moved)).contains("Directory listing"));

    host.ok(["profile", "default", "two"]);
    assert_eq!(host.json(["profile", "list"])[1]["is_default"], true);
    let err = host.fails(["service", "config", "web", "--ngrok-profile", "ghost"]);
    assert!(err.contains("no profile named `ghost`"), "{err}");
    let err = host.fails(["profile", "add", "bad", "--provider", "bore"]);
    assert!(err.contains("needs --server"), "{err}");
    host.ok(["tunnel", "close", "web"]);
    assert!(host.json(["tunnel", "list"]).as_array().unwrap().is_empty());
    let err = host.fails(["tunnel", "close", "web"]);
    assert!(err.contains("has no tunnel open"), "{err}");
}
