//! The control endpoint ([`nexsock_proto::ipc`]: a Unix socket of mode 0600 in a 0700 directory,
//! or a named pipe only the current user may open) carrying length-prefixed JSON frames. Each
//! connection starts with a `Hello`; every bad frame gets a typed error.

use std::path::Path;

use interprocess::local_socket::tokio::prelude::*;
use nexsock_proto::{
    ApiError, ChainRequest, ClientFrame, ErrorCode, Event, PROTOCOL_VERSION, Request, Response, ServerFrame, VERSION,
    frame::{FrameError, read_frame, write_json},
    ipc::{Listener, Stream},
    message::REQUEST_TYPES,
};
use tokio::sync::{broadcast, watch};

use crate::{engine::Handle, error::CoreError};

/// Listens on the endpoint, replacing a stale socket file (the host lock proves no live host owns
/// it).
pub fn bind(path: &Path) -> Result<Listener, CoreError> {
    #[cfg(unix)]
    match std::fs::remove_file(path) {
        Ok(()) => tracing::info!("removed a stale socket at {}", path.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(CoreError::io(format!("removing {}", path.display()), e)),
    }
    nexsock_proto::ipc::listen(path).map_err(|e| CoreError::io(format!("listening on {}", path.display()), e))
}

/// How many requests are being answered: the host waits for none before it exits, so that the
/// answer to `Shutdown` (sent as the engine ends) reaches its client.
pub type Answering = watch::Sender<usize>;

/// Counts one request as being answered while it lives.
struct AnswerGuard(Answering);

impl AnswerGuard {
    fn new(answering: &Answering) -> Self {
        answering.send_modify(|n| *n += 1);
        Self(answering.clone())
    }
}

impl Drop for AnswerGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Accepts connections until the task is aborted.
pub async fn serve(listener: Listener, handle: Handle, answering: Answering) {
    loop {
        match listener.accept().await {
            Ok(stream) => {
                tokio::spawn(connection(stream, handle.clone(), answering.clone()));
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

async fn connection(stream: Stream, handle: Handle, answering: Answering) {
    // `&Stream` reads and writes: one frame at a time, in turn.
    let (mut reader, mut writer) = (&stream, &stream);
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
            Ok(ClientFrame::Request { id, request }) => {
                let _answering = AnswerGuard::new(&answering);
                answer(&mut writer, &handle, id, *request).await
            }
        };
        if let Next::Close = next {
            return;
        }
    }
}

/// Which events a streaming connection forwards.
enum Filter {
    /// Everything (`Subscribe`).
    All,
    /// One service's log lines (`logs -f`).
    Logs(String),
    /// One execution's progress (`StartChain`).
    Execution(i64),
}

impl Filter {
    fn wants(&self, event: &Event) -> bool {
        match (self, event) {
            (Self::All, _) | (_, Event::HostStopping) => true,
            (Self::Logs(name), Event::Log { service, .. }) => service == name,
            (Self::Execution(id), Event::Execution(p)) => p.execution_id == *id,
            (Self::Execution(id), Event::ExecutionFinished(r)) => r.id == *id,
            (Self::Logs(_) | Self::Execution(_), _) => false,
        }
    }
}

async fn answer(writer: &mut &Stream, handle: &Handle, id: u64, request: Request) -> Next {
    let follow = match &request {
        Request::Subscribe => Some(Filter::All),
        _ => None,
    };
    if let Request::StartChain(chain) = request {
        return start_chain(writer, handle, id, chain).await;
    }
    if let Request::Logs { name, tail, follow: true } = request {
        return match handle.follow_logs(name.clone(), tail).await {
            Ok((lines, rx)) => {
                if let Next::Close = send(writer, ServerFrame::Response { id, response: Response::Logs(lines) }).await {
                    return Next::Close;
                }
                stream_events(writer, rx, Filter::Logs(name)).await;
                Next::Close
            }
            Err(err) => send(writer, ServerFrame::Error { id: Some(id), error: err.into() }).await,
        };
    }
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

/// Runs a chain start, forwarding its progress as events until its report answers the request.
async fn start_chain(writer: &mut &Stream, handle: &Handle, id: u64, chain: ChainRequest) -> Next {
    let mut rx = handle.subscribe();
    let (execution, mut done) = match handle.start_chain(chain).await {
        Ok(started) => started,
        Err(err) => return send(writer, ServerFrame::Error { id: Some(id), error: err.into() }).await,
    };
    let filter = Filter::Execution(execution);
    let result = loop {
        tokio::select! {
            res = &mut done => break res,
            event = rx.recv() => match event {
                Ok(event) if filter.wants(&event) => {
                    if write_json(writer, &ServerFrame::Event { event }).await.is_err() {
                        return Next::Close;
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Next::Close,
            },
        }
    };
    // Progress sent just before the end is still queued: deliver it before the report.
    while let Ok(event) = rx.try_recv() {
        if filter.wants(&event) && write_json(writer, &ServerFrame::Event { event }).await.is_err() {
            return Next::Close;
        }
    }
    let frame = match result {
        Ok(Ok(report)) => ServerFrame::Response { id, response: Response::Execution(report) },
        Ok(Err(err)) => ServerFrame::Error { id: Some(id), error: err.into() },
        Err(_) => ServerFrame::Error { id: Some(id), error: CoreError::ShuttingDown.into() },
    };
    send(writer, frame).await
}

async fn stream_events(writer: &mut &Stream, mut rx: broadcast::Receiver<Event>, filter: Filter) {
    loop {
        let event = match rx.recv().await {
            Ok(event) => event,
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!("a subscriber fell behind and missed {n} events");
                continue;
            }
            Err(broadcast::error::RecvError::Closed) => return,
        };
        let last = matches!(event, Event::HostStopping);
        if filter.wants(&event) && write_json(writer, &ServerFrame::Event { event }).await.is_err() {
            return;
        }
        if last {
            return;
        }
    }
}

async fn send(writer: &mut &Stream, frame: ServerFrame) -> Next {
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
