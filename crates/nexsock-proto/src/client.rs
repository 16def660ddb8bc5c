//! A client for the host's control socket: connects, performs the handshake, sends requests and
//! reads answers and events.

use std::path::Path;

use crate::{
    PROTOCOL_VERSION,
    error::ApiError,
    event::Event,
    frame::{FrameError, read_json, write_json},
    ipc::{self, Stream},
    message::{ClientFrame, Request, Response, ServerFrame},
};

/// Why a call through the client failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No host answers on the socket.
    #[error("cannot connect to the nexsock host at {path}: {source}")]
    Connect {
        /// The socket path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The host refused the request.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// The socket or the framing failed.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The host said something out of turn.
    #[error("protocol violation: {0}")]
    Protocol(String),
    /// The host closed the connection.
    #[error("the host closed the connection")]
    Closed,
}

/// A connection to a host, after a successful handshake.
#[derive(Debug)]
pub struct Client {
    /// Read and written through shared references (`&Stream` is both), one frame at a time.
    stream: Stream,
    next_id: u64,
    /// The host's version, from its `Welcome`.
    pub host_version: String,
}

impl Client {
    /// Connects to the host's endpoint at `path` ([`ipc`]) and performs the handshake.
    pub async fn connect(path: &Path) -> Result<Self, ClientError> {
        let stream = ipc::connect(path)
            .await
            .map_err(|source| ClientError::Connect { path: path.display().to_string(), source })?;
        write_json(&mut &stream, &ClientFrame::Hello { protocol: PROTOCOL_VERSION }).await?;
        match read_json::<_, ServerFrame>(&mut &stream).await? {
            Some(ServerFrame::Welcome { version, .. }) => Ok(Self { stream, next_id: 1, host_version: version }),
            Some(ServerFrame::Error { error, .. }) => Err(error.into()),
            Some(other) => Err(ClientError::Protocol(format!("expected welcome, got {other:?}"))),
            None => Err(ClientError::Closed),
        }
    }

    /// Sends a request and waits for its answer. Events that arrive meanwhile (on a connection
    /// that also follows logs) are skipped.
    pub async fn request(&mut self, request: Request) -> Result<Response, ClientError> {
        self.request_streaming(request, drop).await
    }

    /// Sends a request whose progress streams as events before its answer (a chain start), and
    /// hands each event to `on_event`.
    pub async fn request_streaming(
        &mut self,
        request: Request,
        mut on_event: impl FnMut(Event),
    ) -> Result<Response, ClientError> {
        let id = self.next_id;
        self.next_id += 1;
        write_json(&mut &self.stream, &ClientFrame::Request { id, request: Box::new(request) }).await?;
        loop {
            match read_json::<_, ServerFrame>(&mut &self.stream).await? {
                Some(ServerFrame::Response { id: got, response }) if got == id => return Ok(response),
                Some(ServerFrame::Error { error, .. }) => return Err(error.into()),
                Some(ServerFrame::Event { event }) => on_event(event),
                Some(other) => return Err(ClientError::Protocol(format!("unexpected frame {other:?}"))),
                None => return Err(ClientError::Closed),
            }
        }
    }

    /// Waits for the next event; `Ok(None)` when the host closed the stream.
    pub async fn next_event(&mut self) -> Result<Option<Event>, ClientError> {
        match read_json::<_, ServerFrame>(&mut &self.stream).await? {
            Some(ServerFrame::Event { event }) => Ok(Some(event)),
            Some(ServerFrame::Error { error, .. }) => Err(error.into()),
            Some(other) => Err(ClientError::Protocol(format!("expected an event, got {other:?}"))),
            None => Ok(None),
        }
    }
}
