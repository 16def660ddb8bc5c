//! The desktop's way into nexsock: the engine it hosts (the usual case), or — when a headless
//! `nexsock daemon` already owns the state directory — that host's socket, as a client. Never a
//! second engine on the same state.

use std::path::PathBuf;

use nexsock_core::Handle;
use nexsock_proto::{ApiError, Client, ClientError, ErrorCode, Event, Request, Response};

/// Where requests go.
#[derive(Debug, Clone)]
pub enum Backend {
    /// The engine of the host this app started.
    Local(Handle),
    /// Another process's host, reached through its socket.
    Remote(PathBuf),
}

fn client_error(err: ClientError) -> ApiError {
    match err {
        ClientError::Api(e) => e,
        other => ApiError::new(ErrorCode::Internal, other.to_string()),
    }
}

impl Backend {
    /// Carries out one request of the contract.
    pub async fn call(&self, request: Request) -> Result<Response, ApiError> {
        match self {
            Self::Local(handle) => handle.call(request).await.map_err(ApiError::from),
            Self::Remote(socket) => {
                let mut client = Client::connect(socket).await.map_err(client_error)?;
                client.request(request).await.map_err(client_error)
            }
        }
    }

    /// Whether this app owns the host (and so stops it on Quit).
    pub fn owns_host(&self) -> bool {
        matches!(self, Self::Local(_))
    }

    /// A stream of every engine event from now on (`None` when a remote host cannot be reached).
    /// Subscribed when this returns, so a read made afterwards misses nothing that follows it.
    pub async fn subscribe(&self) -> Option<Events> {
        match self {
            Self::Local(handle) => Some(Events::Local(handle.subscribe())),
            Self::Remote(socket) => {
                let mut client = Client::connect(socket).await.ok()?;
                client.request(Request::Subscribe).await.ok()?;
                Some(Events::Remote(Box::new(client)))
            }
        }
    }
}

/// Engine events, from the hosted engine or a remote host's socket.
#[derive(Debug)]
pub enum Events {
    /// The hosted engine's broadcast.
    Local(tokio::sync::broadcast::Receiver<Event>),
    /// A subscribed connection.
    Remote(Box<Client>),
}

impl Events {
    /// The next event; `None` once the stream ended.
    pub async fn next(&mut self) -> Option<Event> {
        match self {
            Self::Local(rx) => loop {
                match rx.recv().await {
                    Ok(event) => return Some(event),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!("the desktop missed {n} events");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => return None,
                }
            },
            Self::Remote(client) => client.next_event().await.ok().flatten(),
        }
    }
}
