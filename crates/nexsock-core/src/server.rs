//! The control socket: a Unix socket (mode 0600 in a 0700 directory) carrying length-prefixed
//! JSON frames. Each connection starts with a `Hello`; every bad frame gets a typed error.

use std::path::Path;

use nexsock_proto::{
    ApiError, ClientFrame, ErrorCode, Event, PROTOCOL_VERSION, Request, ServerFrame, VERSION,
    frame::{FrameError, read_frame, write_json},
    message::REQUEST_TYPES,
};
use tokio::{
    net::{UnixListener, UnixStream, unix::OwnedWriteHalf},
    sync::broadcast,
};

use crate::{engine::Handle, error::CoreError};

/// Binds the socket, replacing a stale one (the host lock proves no live host owns it).
pub fn bind(path: &Path) -> Result<UnixListener, CoreError> {
    match std::fs::remove_file(path) {
        Ok(()) => tracing::info!("removed a stale socket at {}", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(CoreError::io(format!("removing {}", path.display()), e)),
    }
    let listener = UnixListener::bind(path).map_err(|e| CoreError::io(format!("binding {}", path.display()), e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| CoreError::io(format!("setting the mode of {}", path.display()), e))?;
    }
    Ok(listener)
}

/// Accepts connections until the task is aborted.
pub async fn serve(listener: UnixListener, handle: Handle) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, handle.clone()));
            }
            Err(e) => tracing::warn!("accept failed: {e}"),
        }
    }
}

/// What the connection does after a frame.
enum Next {
    Continue,
    Close,
}

async fn connection(stream: UnixStream, handle: Handle) {
    let (mut reader, mut writer) = stream.into_split();
    let mut greeted = false;
    loop {
        let bytes = match read_frame(&mut reader).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return,
            Err(FrameError::TooLarge(n)) => {
                let error = ApiError::new(ErrorCode::FrameTooLarge, FrameError::TooLarge(n).to_string());
                let _ = write_json(&mut writer, &ServerFrame::Error { id: None, error }).await;
                return;
            }
            Err(_) => return,
        };
        let next = match decode(&bytes) {
            Err((id, error)) => send(&mut writer, ServerFrame::Error { id, error }).await,
            Ok(ClientFrame::Hello { protocol }) if protocol == PROTOCOL_VERSION => {
                greeted = true;
                send(&mut writer, ServerFrame::Welcome { protocol: PROTOCOL_VERSION, version: VERSION.into() }).await
            }
            Ok(ClientFrame::Hello { protocol }) => {
                let error = ApiError::new(
                    ErrorCode::ProtocolMismatch,
                    format!(
                        "this host speaks protocol {PROTOCOL_VERSION} (nexsock {VERSION}), the client speaks {protocol}: use matching versions of the CLI and the host"
                    ),
                );
                let _ = send(&mut writer, ServerFrame::Error { id: None, error }).await;
                Next::Close
            }
            Ok(ClientFrame::Request { id, .. }) if !greeted => {
                let error = ApiError::new(ErrorCode::HandshakeRequired, "send hello before any request");
                send(&mut writer, ServerFrame::Error { id: Some(id), error }).await
            }
            Ok(ClientFrame::Request { id, request }) => answer(&mut writer, &handle, id, request).await,
        };
        if let Next::Close = next {
            return;
        }
    }
}

async fn answer(writer: &mut OwnedWriteHalf, handle: &Handle, id: u64, request: Request) -> Next {
    let follow = match &request {
        Request::Logs { name, follow: true, .. } => Some(Some(name.clone())),
        Request::Subscribe => Some(None),
        _ => None,
    };
    // Subscribe before reading the tail, so that no line falls between the two.
    let events = follow.as_ref().map(|_| handle.subscribe());
    let frame = match handle.call(request).await {
        Ok(response) => ServerFrame::Response { id, response },
        Err(err) => ServerFrame::Error { id: Some(id), error: err.into() },
    };
    let ok = matches!(frame, ServerFrame::Response { .. });
    if let Next::Close = send(writer, frame).await {
        return Next::Close;
    }
    match (follow, events) {
        (Some(filter), Some(rx)) if ok => {
            stream_events(writer, rx, filter).await;
            Next::Close
        }
        _ => Next::Continue,
    }
}

async fn stream_events(writer: &mut OwnedWriteHalf, mut rx: broadcast::Receiver<Event>, filter: Option<String>) {
    loop {
        let event = match rx.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!("a subscriber fell behind and missed {n} events");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let wanted = match (&filter, &event) {
            (None, _) => true,
            (Some(name), Event::Log { service, .. }) => service == name,
            (Some(_), Event::HostStopping) => true,
            (Some(_), Event::ServiceChanged(_)) => false,
        };
        let last = matches!(event, Event::HostStopping);
        if wanted && write_json(writer, &ServerFrame::Event { event }).await.is_err() {
            return;
        }
        if last {
            return;
        }
    }
}

async fn send(writer: &mut OwnedWriteHalf, frame: ServerFrame) -> Next {
    match write_json(writer, &frame).await {
        Ok(()) => Next::Continue,
        Err(_) => Next::Close,
    }
}

/// Decodes a client frame, telling malformed JSON, unknown request types and bad fields apart.
fn decode(bytes: &[u8]) -> Result<ClientFrame, (Option<u64>, ApiError)> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| (None, ApiError::new(ErrorCode::MalformedFrame, format!("frame is not valid JSON: {e}"))))?;
    let id = value.get("id").and_then(serde_json::Value::as_u64);
    let kind = value.pointer("/request/type").and_then(serde_json::Value::as_str);
    if let Some(kind) = kind
        && !REQUEST_TYPES.contains(&kind)
    {
        return Err((id, ApiError::new(ErrorCode::UnknownRequest, format!("unknown request type `{kind}`"))));
    }
    serde_json::from_value(value)
        .map_err(|e| (id, ApiError::new(ErrorCode::MalformedFrame, format!("malformed frame: {e}"))))
}
