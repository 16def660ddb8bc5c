//! The control socket from the outside: permissions, the handshake, and typed errors for every
//! kind of bad frame — none of which changes any state.

use std::os::unix::fs::PermissionsExt;

use nexsock_proto::{
    ClientFrame, ErrorCode, PROTOCOL_VERSION, Request, ServerFrame,
    frame::{read_json, write_frame, write_json},
};
use nexsock_tests::TestHost;
use serde_json::json;
use tokio::net::UnixStream;

async fn raw(host: &TestHost) -> UnixStream {
    UnixStream::connect(host.socket()).await.unwrap()
}

async fn hello(stream: &mut UnixStream) {
    write_json(stream, &ClientFrame::Hello { protocol: PROTOCOL_VERSION }).await.unwrap();
    let welcome: ServerFrame = read_json(stream).await.unwrap().unwrap();
    assert!(matches!(welcome, ServerFrame::Welcome { protocol: PROTOCOL_VERSION, .. }), "{welcome:?}");
}

async fn expect_error(stream: &mut UnixStream, code: ErrorCode) -> String {
    match read_json::<_, ServerFrame>(stream).await.unwrap() {
        Some(ServerFrame::Error { error, .. }) => {
            assert_eq!(error.code, code, "{}", error.message);
            error.message
        }
        other => panic!("expected a {code:?} error, got {other:?}"),
    }
}

#[test]
fn the_socket_is_0600_in_a_0700_directory() {
    let host = TestHost::start();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&host.socket()), 0o600);
    assert_eq!(mode(host.socket().parent().unwrap()), 0o700);
}

#[tokio::test]
async fn bad_frames_get_typed_errors_and_change_nothing() {
    let host = TestHost::start();
    host.ok(["service", "add", "keep", "--command", "sleep 1000"]);
    let before = host.ok(["service", "list", "--json"]);

    // A request before the handshake.
    let mut s = raw(&host).await;
    let frame = ClientFrame::Request { id: 1, request: Box::new(Request::ListServices) };
    write_json(&mut s, &frame).await.unwrap();
    expect_error(&mut s, ErrorCode::HandshakeRequired).await;

    // Garbage bytes, then an unknown request type, then a known type with bad fields.
    hello(&mut s).await;
    write_frame(&mut s, b"\x00\x01 not json at all").await.unwrap();
    expect_error(&mut s, ErrorCode::MalformedFrame).await;
    let unknown = json!({"type": "request", "id": 2, "request": {"type": "format_disk"}});
    write_frame(&mut s, unknown.to_string().as_bytes()).await.unwrap();
    let msg = expect_error(&mut s, ErrorCode::UnknownRequest).await;
    assert!(msg.contains("format_disk"), "{msg}");
    let bad_fields =
        json!({"type": "request", "id": 3, "request": {"type": "remove_service", "data": {"nom": "keep"}}});
    write_frame(&mut s, bad_fields.to_string().as_bytes()).await.unwrap();
    expect_error(&mut s, ErrorCode::MalformedFrame).await;
    // The connection still works after all that.
    write_json(&mut s, &ClientFrame::Request { id: 4, request: Box::new(Request::ListServices) }).await.unwrap();
    let answer: ServerFrame = read_json(&mut s).await.unwrap().unwrap();
    assert!(matches!(answer, ServerFrame::Response { id: 4, .. }), "{answer:?}");

    // A wrong protocol version is refused and the connection closed.
    let mut s = raw(&host).await;
    write_json(&mut s, &ClientFrame::Hello { protocol: PROTOCOL_VERSION + 41 }).await.unwrap();
    let msg = expect_error(&mut s, ErrorCode::ProtocolMismatch).await;
    assert!(msg.contains(&format!("{}", PROTOCOL_VERSION + 41)), "{msg}");
    assert!(read_json::<_, ServerFrame>(&mut s).await.unwrap().is_none(), "closed after the refusal");

    // An oversized frame is refused from its length alone.
    let mut s = raw(&host).await;
    tokio::io::AsyncWriteExt::write_all(&mut s, &u32::MAX.to_be_bytes()).await.unwrap();
    expect_error(&mut s, ErrorCode::FrameTooLarge).await;

    assert_eq!(host.ok(["service", "list", "--json"]), before);
}

#[tokio::test]
async fn subscribers_see_state_changes() {
    let host = TestHost::start();
    host.ok(["service", "add", "watched", "--command", "sleep 1000"]);
    let mut client = nexsock_proto::Client::connect(&host.socket()).await.unwrap();
    client.request(Request::Subscribe).await.unwrap();
    host.ok(["service", "start", "watched"]);
    let mut seen = Vec::new();
    while let Some(event) = client.next_event().await.unwrap() {
        if let nexsock_proto::Event::ServiceChanged(s) = event {
            seen.push(s.state);
            if s.state == nexsock_proto::ServiceState::Ready {
                break;
            }
        }
    }
    assert_eq!(seen, [nexsock_proto::ServiceState::Starting, nexsock_proto::ServiceState::Ready]);
}

#[tokio::test]
async fn an_invalid_field_is_named_in_the_error_so_a_form_can_show_it_there() {
    let host = TestHost::start();
    host.ok(["service", "add", "web", "--command", "sleep 1000"]);
    host.ok(["service", "add", "db", "--command", "sleep 1000"]);
    let mut client = nexsock_proto::Client::connect(&host.socket()).await.unwrap();
    let edge = |extra: serde_json::Value| {
        let mut spec = json!({ "service": "web", "depends_on": "db", "tunnel_mode": "optional" });
        spec.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        Request::AddDependency(serde_json::from_value(spec).unwrap())
    };
    for (request, field) in [
        (edge(json!({ "timeout_secs": 0 })), "timeout_secs"),
        (edge(json!({ "env_alias": "1BAD" })), "env_alias"),
        (edge(json!({ "health_path": "health" })), "health_path"),
        (edge(json!({ "condition": "healthy" })), "condition"),
        (Request::AddService(serde_json::from_value(json!({ "name": "x", "command": " " })).unwrap()), "command"),
        // A NUL cannot pass through argv, but it can through the socket: refused before it is stored.
        (
            Request::AddService(serde_json::from_value(json!({ "name": "x", "command": "echo a\u{0}b" })).unwrap()),
            "command",
        ),
        (
            Request::AddService(
                serde_json::from_value(json!({ "name": "x", "command": "true", "env": { "K": "v\u{0}" } })).unwrap(),
            ),
            "env",
        ),
        (
            Request::AddService(
                serde_json::from_value(json!({ "name": "x", "command": "true", "cwd": "/no/such/dir" })).unwrap(),
            ),
            "cwd",
        ),
    ] {
        let Err(nexsock_proto::ClientError::Api(err)) = client.request(request.clone()).await else {
            panic!("{request:?} was accepted");
        };
        assert_eq!((err.code, err.field.as_deref()), (ErrorCode::InvalidArgument, Some(field)), "{err:?}");
    }
    // An error about no one field names none.
    let Err(nexsock_proto::ClientError::Api(err)) =
        client.request(Request::StartService { name: "ghost".into() }).await
    else {
        panic!("ghost started");
    };
    assert_eq!((err.code, err.field), (ErrorCode::UnknownService, None));
    assert_eq!(host.json(["dependency", "list", "web"])["dependencies"], json!([]));
    assert_eq!(host.json(["service", "list"]).as_array().unwrap().len(), 2);
}
