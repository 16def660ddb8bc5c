//! The bridge to the UI: one Tauri command takes a request of the contract and returns its
//! response, or a serialisable `{code, message}` error the UI branches on. A second one writes the
//! clipboard from Rust, so the page needs no clipboard permission. A third reads or sets the start
//! at login (an OS setting, not the engine's). A fourth closes the window (Ctrl+W) without a window
//! permission for the page.

use nexsock_proto::{ApiError, ErrorCode, Request, Response};
use tauri::{AppHandle, Runtime, State};

use crate::{actions::Desktop, backend::Backend};

/// `invoke("request", { request })`: the same requests the CLI sends over the socket.
#[tauri::command]
pub async fn request(backend: State<'_, Backend>, request: Request) -> Result<Response, ApiError> {
    backend.call(request).await
}

/// `invoke("copy_text", { text })`: the tunnel card's and the log view's Copy buttons.
#[tauri::command]
pub fn copy_text<R: Runtime>(app: AppHandle<R>, text: String) -> Result<(), ApiError> {
    app.copy(&text).map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot copy to the clipboard: {e}")))
}

/// `invoke("autostart", { enabled })`: with `enabled`, turns the start at login on or off (in the
/// background, as `--background --at-login`); answers whether it is on.
#[tauri::command]
pub fn autostart<R: Runtime>(app: AppHandle<R>, enabled: Option<bool>) -> Result<bool, ApiError> {
    use tauri_plugin_autostart::ManagerExt;
    let launch = app.autolaunch();
    let fail = |e: tauri_plugin_autostart::Error| {
        ApiError::new(ErrorCode::Internal, format!("cannot change the start at login: {e}"))
    };
    match enabled {
        Some(true) => launch.enable().map_err(fail)?,
        Some(false) => launch.disable().map_err(fail)?,
        None => {}
    }
    launch.is_enabled().map_err(fail)
}

/// `invoke("close_window")`: Ctrl+W. Closing destroys the window and its webview; the app stays in
/// the tray.
#[tauri::command]
pub fn close_window<R: Runtime>(window: tauri::WebviewWindow<R>) -> Result<(), ApiError> {
    window.close().map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot close the window: {e}")))
}
