//! What tray clicks do, as functions over the [`Backend`] and a [`Desktop`] for the few effects
//! that need the OS (notifications, clipboard, window, exit) — so every action runs in tests on
//! Tauri's mock runtime against a real engine.

use nexsock_proto::{ApiError, ChainRequest, ErrorCode, ExecutionStatus, Request, Response};

use crate::{backend::Backend, menu::MenuAction};

/// The OS-facing effects of actions.
pub trait Desktop: Send + Sync {
    /// Shows a native notification.
    fn notify(&self, title: &str, body: &str);
    /// Puts text on the clipboard.
    fn copy(&self, text: &str) -> Result<(), String>;
    /// Shows and focuses the main window.
    fn show_window(&self);
    /// Shows and focuses the main window on `view` (its URL hash without `#`, e.g.
    /// `inspector/web`).
    fn show_view(&self, view: &str);
    /// Exits the app.
    fn exit(&self);
}

/// Carries out a menu action. Errors are returned and also shown as a notification by the caller.
pub async fn perform(action: MenuAction, backend: &Backend, desktop: &dyn Desktop) -> Result<(), ApiError> {
    match action {
        MenuAction::StartChain(service) => start_chain(vec![service.clone()], &service, backend, desktop).await,
        MenuAction::StartTag(tag) => {
            let Response::Services(all) = backend.call(Request::ListServices).await? else {
                return Err(ApiError::new(ErrorCode::Internal, "unexpected answer to ListServices"));
            };
            let roots: Vec<String> = all.into_iter().filter(|s| s.tags.contains(&tag)).map(|s| s.name).collect();
            start_chain(roots, &format!("tag {tag}"), backend, desktop).await
        }
        MenuAction::CopyUrl(service) => copy_url(&service, backend, desktop).await,
        MenuAction::SwitchProfile { service, profile } => {
            backend.call(Request::ConfigureService { name: service, tunnel_profile: Some(profile) }).await.map(drop)
        }
        MenuAction::DefaultStrategy(strategy) => backend.call(Request::SetDefaultStrategy { strategy }).await.map(drop),
        MenuAction::StopAll => backend.call(Request::StopAll).await.map(drop),
        MenuAction::Inspect(service) => {
            desktop.show_view(&inspector_view(&service));
            Ok(())
        }
        MenuAction::Open => {
            desktop.show_window();
            Ok(())
        }
        MenuAction::Quit => {
            if backend.owns_host() {
                // Every service and tunnel stops before the app goes.
                backend.call(Request::Shutdown).await?;
            }
            desktop.exit();
            Ok(())
        }
    }
}

/// Starts `roots` as one chain; `what` names them in the notification.
async fn start_chain(roots: Vec<String>, what: &str, backend: &Backend, desktop: &dyn Desktop) -> Result<(), ApiError> {
    let chain = ChainRequest::of(roots);
    match backend.call(Request::StartChain(chain)).await? {
        // A failed chain is announced by the event notifier (with its root cause) wherever it was
        // started from; only success is announced here, since the user is waiting for it.
        Response::Execution(report) if report.status == ExecutionStatus::Completed => {
            let n = report.services.len();
            let plural = if n == 1 { "" } else { "s" };
            desktop.notify(
                &format!("{what} is ready"),
                &format!("{n} service{plural} started by {} in {} ms", report.strategy, report.total_ms),
            );
            Ok(())
        }
        Response::Execution(_) => Ok(()),
        other => Err(unexpected(&other)),
    }
}

async fn copy_url(service: &str, backend: &Backend, desktop: &dyn Desktop) -> Result<(), ApiError> {
    let Response::Tunnels(tunnels) = backend.call(Request::ListTunnels).await? else {
        return Err(ApiError::new(ErrorCode::Internal, "unexpected answer to ListTunnels"));
    };
    let url = tunnels
        .into_iter()
        .find(|t| t.service == service)
        .and_then(|t| t.public_url)
        .ok_or_else(|| ApiError::new(ErrorCode::TunnelFailed, format!("{service} has no open tunnel")))?;
    desktop.copy(&url).map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot copy to the clipboard: {e}")))?;
    desktop.notify("Tunnel URL copied", &url);
    Ok(())
}

/// The window's view of a tunnel's request inspector (the UI routes `#inspector/SERVICE`).
pub fn inspector_view(service: &str) -> String {
    format!("inspector/{service}")
}

fn unexpected(response: &Response) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("unexpected answer from the host: {response:?}"))
}
