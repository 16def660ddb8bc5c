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

    /// Calls `on_event` with every engine event until the stream ends.
    pub async fn forward_events(&self, mut on_event: impl FnMut(Event) + Send) {
        match self {
            Self::Local(handle) => {
                let mut rx = handle.subscribe();
                loop {
                    match rx.recv().await {
                        Ok(event) => on_event(event),
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                            tracing::warn!("the desktop missed {n} events");
                        }
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                    }
                }
            }
            Self::Remote(socket) => {
                let Ok(mut client) = Client::connect(socket).await else { return };
                if client.request(Request::Subscribe).await.is_err() {
                    return;
                }
                while let Ok(Some(event)) = client.next_event().await {
                    on_event(event);
                }
            }
        }
    }
}
