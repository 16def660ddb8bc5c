//! Every change the host makes is an event: on a subscribed connection, and through
//! `nexsock events`, one event a line.

use std::time::Duration;

use nexsock_proto::{Change, Event, Request};
use nexsock_tests::{BoreServer, Follower, TestHost, free_port, testsvc_bin};
use serde_json::Value;

/// The next event that is not about processes running (state changes, logs, chain progress),
/// which the commands below cause too.
async fn next_change(client: &mut nexsock_proto::Client) -> Event {
    loop {
        let event = tokio::time::timeout(Duration::from_secs(30), client.next_event())
            .await
            .expect("an event within 30 s")
            .unwrap()
            .expect("the stream to stay open");
        match event {
            Event::ServiceChanged(_)
            | Event::Log { .. }
            | Event::Execution(_)
            | Event::ExecutionFinished(_)
            | Event::TunnelCreated(_) => {}
            other => return other,
        }
    }
}

#[tokio::test]
async fn every_change_to_services_dependencies_tunnels_profiles_and_settings_is_an_event() {
    let server = BoreServer::start();
    let host = TestHost::start();
    let mut client = nexsock_proto::Client::connect(&host.socket()).await.unwrap();
    client.request(Request::Subscribe).await.unwrap();
    let port = free_port().to_string();

    host.ok(["profile", "add", "team", "--provider", "bore", "--server", &server.ip.to_string()]);
    assert!(matches!(next_change(&mut client).await, Event::ProfilesChanged));

    let command = format!("exec '{}' --listen {port}", testsvc_bin().display());
    host.ok(["service", "add", "web", "--command", &command, "--port", &port]);
    match next_change(&mut client).await {
        Event::ServiceAdded(d) => assert_eq!((d.spec.name.as_str(), d.spec.port), ("web", Some(port.parse().unwrap()))),
        other => panic!("expected ServiceAdded, got {other:?}"),
    }
    host.ok(["service", "add", "api", "--command", "sleep 1000"]);
    assert!(matches!(next_change(&mut client).await, Event::ServiceAdded(d) if d.spec.name == "api"));

    host.ok(["dependency", "add", "api", "--depends-on", "web"]);
    match next_change(&mut client).await {
        Event::DependencyAdded { edge, change } => {
            assert_eq!((edge.service.as_str(), edge.depends_on.as_str(), change), ("api", "web", Change::Created));
            assert!(edge.condition.is_some(), "the stored edge has its condition resolved: {edge:?}");
        }
        other => panic!("expected DependencyAdded, got {other:?}"),
    }

    host.ok(["service", "config", "api", "--tunnel-profile", "team"]);
    match next_change(&mut client).await {
        Event::ServiceUpdated(d) => {
            assert_eq!((d.spec.name.as_str(), d.status.tunnel_profile.as_deref()), ("api", Some("team")))
        }
        other => panic!("expected ServiceUpdated, got {other:?}"),
    }

    host.ok(["strategy", "default", "critical-path"]);
    match next_change(&mut client).await {
        Event::SettingsChanged(s) => assert_eq!(s.default_strategy, "critical-path"),
        other => panic!("expected SettingsChanged, got {other:?}"),
    }

    host.ok(["dependency", "remove", "api", "--depends-on", "web"]);
    assert!(matches!(
        next_change(&mut client).await,
        Event::DependencyRemoved { service, depends_on } if service == "api" && depends_on == "web"
    ));

    host.ok(["service", "remove", "api"]);
    assert!(matches!(next_change(&mut client).await, Event::ServiceRemoved { name } if name == "api"));

    host.ok(["service", "start", "web"]);
    host.wait_state("web", "ready", Duration::from_secs(30));
    host.ok(["tunnel", "open", "web", "--profile", "team"]);
    match next_change(&mut client).await {
        Event::TunnelChecked(t) => assert!(t.last_check_ms.is_some() && t.service == "web", "{t:?}"),
        other => panic!("expected TunnelChecked, got {other:?}"),
    }
    host.ok(["tunnel", "close", "web"]);
    let closed = loop {
        match next_change(&mut client).await {
            Event::TunnelChecked(_) => {}
            other => break other,
        }
    };
    match closed {
        Event::TunnelClosed(t) => assert_eq!((t.service.as_str(), t.profile.as_str()), ("web", "team")),
        other => panic!("expected TunnelClosed, got {other:?}"),
    }

    host.ok(["profile", "remove", "team"]);
    assert!(matches!(next_change(&mut client).await, Event::ProfilesChanged));
}

/// `nexsock events` running as a child, its lines handed over a channel as they come.
struct EventsCli(Follower);

impl EventsCli {
    fn start(host: &TestHost, args: &[&str]) -> Self {
        let mut all = vec!["events"];
        all.extend_from_slice(args);
        Self(host.follow(&all))
    }

    fn next(&self) -> String {
        self.0.lines.recv_timeout(Duration::from_secs(30)).expect("a line from `nexsock events` within 30 s")
    }

    /// The next line whose event type is not a process running (state changes, logs, progress),
    /// without its `at_ms` (checked to be there).
    fn next_change(&self) -> Value {
        loop {
            let line = self.next();
            let mut event: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line:?} is not JSON: {e}"));
            let at_ms = event.as_object_mut().and_then(|o| o.remove("at_ms"));
            assert!(at_ms.is_some_and(|t| t.as_u64().is_some_and(|t| t > 0)), "{line} has its time");
            if !matches!(event["type"].as_str(), Some("ServiceChanged" | "Log" | "Execution" | "ExecutionFinished")) {
                return event;
            }
        }
    }

    /// The next line in words, without the local date and time it starts with (checked).
    fn next_words(&self) -> String {
        let line = self.next();
        let (at, words) = line.split_at_checked(24).unwrap_or_else(|| panic!("{line:?} is too short"));
        let digits: String = at.chars().map(|c| if c.is_ascii_digit() { '9' } else { c }).collect();
        assert_eq!(digits, "9999-99-99 99:99:99.999 ", "{line:?} starts with its time");
        words.to_owned()
    }
}

/// `nexsock events` has subscribed once it passes on a change: `marker` (an existing service) is
/// re-configured until its update comes through, and the updates are then skipped.
fn wait_subscribed(host: &TestHost, events: &EventsCli, marker: &str) {
    loop {
        host.ok(["service", "config", marker, "--default-profile"]);
        if events.0.lines.recv_timeout(Duration::from_millis(500)).is_ok() {
            return;
        }
    }
}

#[test]
fn nexsock_events_streams_one_json_object_a_line_and_ends_with_the_host() {
    let host = TestHost::start();
    host.ok(["service", "add", "marker", "--command", "true"]);
    let mut events = EventsCli::start(&host, &["--json"]);
    wait_subscribed(&host, &events, "marker");

    host.ok(["service", "add", "db", "--command", "sleep 1000"]);
    let added = loop {
        let event = events.next_change();
        if event["type"] != "ServiceUpdated" {
            break event;
        }
    };
    assert_eq!(
        (added["type"].as_str(), added["data"]["spec"]["command"].as_str()),
        (Some("ServiceAdded"), Some("sleep 1000"))
    );
    host.ok(["service", "remove", "db"]);
    assert_eq!(events.next_change(), serde_json::json!({ "type": "ServiceRemoved", "data": { "name": "db" } }));

    host.ok(["shutdown"]);
    assert_eq!(events.next_change(), serde_json::json!({ "type": "HostStopping" }));
    let status = events.0.child.wait().unwrap();
    assert!(status.success(), "`nexsock events` ends cleanly with the host: {status:?}");
}

#[test]
fn nexsock_events_service_shows_only_that_services_events_in_words() {
    let host = TestHost::start();
    host.ok(["service", "add", "web", "--command", "sleep 1000"]);
    host.ok(["service", "add", "api", "--command", "sleep 1000"]);
    let events = EventsCli::start(&host, &["--service", "api"]);
    wait_subscribed(&host, &events, "api");

    host.ok(["service", "add", "other", "--command", "true"]);
    host.ok(["dependency", "add", "api", "--depends-on", "web"]);
    host.ok(["service", "config", "web", "--default-profile"]);
    host.ok(["service", "remove", "other"]);
    host.ok(["service", "remove", "api"]);
    let mut lines = Vec::new();
    while !lines.last().is_some_and(|l: &String| l.starts_with("service-removed")) {
        let line = events.next_words();
        if line != "service-updated api" {
            lines.push(line);
        }
    }
    assert_eq!(lines, ["dependency-created api -> web started", "service-removed api"]);
}
