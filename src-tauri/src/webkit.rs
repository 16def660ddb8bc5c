//! WebKitGTK's network process outliving the window. WebKit starts one network process per web
//! context and keeps it for as long as the context lives, and Tauri keeps the app's context for
//! the app's lifetime (tauri-apps/wry#590, tauri-apps/tauri#14626): a tray app whose window was
//! opened once would carry about 60 MB all day. When the last webview is gone, the app ends that
//! process; WebKit starts a new one for the next webview, as it does after a network process
//! crash.

use std::path::Path;

use rustix::process::{Pid, Signal, getpid, kill_process};

/// The executable WebKitGTK runs as its network process.
const NETWORK_PROCESS: &str = "WebKitNetworkProcess";

/// Asks this app's WebKit network processes (its direct children running WebKit's network process
/// executable) to exit. Called only when no webview exists, so no page loses its connections.
pub fn end_network_process() {
    for pid in children_running(NETWORK_PROCESS) {
        if let Some(pid) = Pid::from_raw(pid) {
            match kill_process(pid, Signal::TERM) {
                Ok(()) => tracing::debug!("ended WebKit's network process {pid:?}: no webview is open"),
                Err(e) => tracing::debug!("cannot end WebKit's network process {pid:?}: {e}"),
            }
        }
    }
}

/// The pids of this process's children whose executable is named `name`.
fn children_running(name: &str) -> Vec<i32> {
    let me = getpid().as_raw_nonzero().get();
    let Ok(all) = procfs::process::all_processes() else { return Vec::new() };
    all.filter_map(Result::ok)
        .filter(|p| p.stat().is_ok_and(|s| s.ppid == me))
        .filter(|p| p.exe().is_ok_and(|exe| exe.file_name().is_some_and(|f| Path::new(f) == Path::new(name))))
        .map(|p| p.pid)
        .collect()
}
