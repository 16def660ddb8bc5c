//! The bridge to the UI: one Tauri command takes a request of the contract and returns its
//! response, or a serialisable `{code, message}` error the UI branches on.

use nexsock_proto::{ApiError, Request, Response};
use tauri::State;

use crate::backend::Backend;

/// `invoke("request", { request })`: the same requests the CLI sends over the socket.
#[tauri::command]
pub async fn request(backend: State<'_, Backend>, request: Request) -> Result<Response, ApiError> {
    backend.call(request).await
}
