//! What an in-process client of the host (the desktop shell) sees when the host is shut down by
//! someone else: `HostStopping` as the last event, after the services are down.

#![allow(clippy::unwrap_used, missing_docs)]

use std::time::Duration;

use nexsock_core::{Host, Paths};
use nexsock_proto::{Event, Request, ServiceSpec};

#[tokio::test]
async fn a_shutdown_ends_the_event_stream_with_host_stopping() {
    let dir = tempfile::tempdir().unwrap();
    let host = Host::start(Paths::in_home(dir.path())).await.unwrap();
    let handle = host.handle();
    let mut events = handle.subscribe();
    let spec: ServiceSpec =
        serde_json::from_value(serde_json::json!({ "name": "sleeper", "command": "exec sleep 1000" })).unwrap();
    handle.call(Request::AddService(spec)).await.unwrap();
    handle.call(Request::StartService { name: "sleeper".into() }).await.unwrap();

    let caller = handle.clone();
    tokio::spawn(async move { caller.call(Request::Shutdown).await });
    let mut seen = Vec::new();
    let last = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let event = events.recv().await.expect("the stream stays open until HostStopping");
            if matches!(event, Event::HostStopping) {
                return event;
            }
            seen.push(event);
        }
    })
    .await
    .expect("HostStopping arrives");
    assert_eq!(last, Event::HostStopping);
    assert!(
        seen.iter().any(|e| matches!(e, Event::ServiceChanged(s) if s.name == "sleeper" && s.pid.is_none())),
        "the service stopped before the host said so: {seen:?}"
    );
    drop(handle);
    host.wait().await;
}
