//! The window lives in a process of its own (`nexsock-desktop --window`), so the tray process
//! never loads a webview. WebKitGTK's libraries, JavaScriptCore, the speech voices and Mesa's
//! software renderer stay resident in a process that once showed a webview (about 60 MB of pages
//! that nothing asks back), and a tray app lives all day: when the window closes, its process
//! exits and takes all of that with it.
//!
//! The tray starts the window process with a pipe on its standard input and sends it one JSON
//! line per "open" (Open nexsock, a second launch, a notification's click, Inspect). The window
//! process is a client of the host's socket like the CLI, forwards the host's events to its page,
//! and exits when its window closes, when the host stops, or when the pipe ends — which is also
//! how it learns that the tray process is gone, however it went (a pipe closes on every platform,
//! SIGKILL included).

use std::{
    io::{BufRead, Write},
    process::{ChildStdin, Command, Stdio},
    sync::{
        Arc, Mutex, PoisonError,
        atomic::{AtomicBool, Ordering},
    },
};

use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Emitter, Manager, Runtime, WebviewWindow};

use nexsock_proto::Event;

use crate::{Backend, EVENT_NAME, backend::Events};

/// Runs the app as the window process.
pub const WINDOW_FLAG: &str = "--window";
/// With [`WINDOW_FLAG`]: the view to open (the URL hash the window keeps its view in, without `#`).
pub const VIEW_FLAG: &str = "--view";

/// One line from the tray to the window process.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    /// Show and focus the window, on `view` if one is given.
    Open {
        /// The view (URL hash without `#`).
        view: Option<String>,
    },
}

/// The tray's side: the window process, while one runs.
#[derive(Debug, Default)]
pub struct WindowProcess(Mutex<Option<Running>>);

#[derive(Debug)]
struct Running {
    pid: u32,
    stdin: ChildStdin,
    /// Set once the process has exited (a thread waits for it, so it never lingers as a zombie).
    exited: Arc<AtomicBool>,
}

impl WindowProcess {
    /// Shows the window (on `view`): tells the running window process, or starts one.
    pub fn open(&self, view: Option<&str>) {
        if let Some(view) = view {
            tracing::info!("opening the window on {view}");
        }
        let mut running = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        let message = Message::Open { view: view.map(str::to_owned) };
        if let Some(window) = running.as_mut().filter(|r| !r.exited.load(Ordering::SeqCst)) {
            match send(&mut window.stdin, &message) {
                Ok(()) => return,
                // It is on its way out (its window was just closed): a new one is started.
                Err(e) => tracing::debug!("the window process {} did not take the message: {e}", window.pid),
            }
        }
        *running = match spawn(view) {
            Ok(started) => Some(started),
            Err(e) => {
                tracing::warn!("cannot start the window process: {e}");
                None
            }
        };
    }

    /// Ends the window process (the app quits): its pipe closes, which it takes as the end.
    pub fn close(&self) {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

fn send(stdin: &mut ChildStdin, message: &Message) -> std::io::Result<()> {
    let mut line = serde_json::to_vec(message)?;
    line.push(b'\n');
    stdin.write_all(&line)?;
    stdin.flush()
}

/// Starts this executable as the window process, with the tray's environment (the same
/// `NEXSOCK_HOME`, display and session bus).
fn spawn(view: Option<&str>) -> std::io::Result<Running> {
    let mut command = Command::new(std::env::current_exe()?);
    command.arg(WINDOW_FLAG).stdin(Stdio::piped());
    if let Some(view) = view {
        command.arg(VIEW_FLAG).arg(view);
    }
    let mut child = command.spawn()?;
    let pid = child.id();
    let stdin = child.stdin.take().ok_or_else(|| std::io::Error::other("the window process has no stdin"))?;
    let exited = Arc::new(AtomicBool::new(false));
    let flag = exited.clone();
    std::thread::Builder::new().name("window-process".into()).spawn(move || {
        match child.wait() {
            Ok(status) => tracing::debug!("the window process {pid} exited: {status}"),
            Err(e) => tracing::warn!("cannot wait for the window process {pid}: {e}"),
        }
        flag.store(true, Ordering::SeqCst);
    })?;
    tracing::debug!("started the window process {pid}");
    Ok(Running { pid, stdin, exited })
}

/// The view `--view VIEW` asks for, from the process's arguments.
pub fn view_arg(args: &[String]) -> Option<String> {
    args.iter().position(|a| a == VIEW_FLAG).and_then(|i| args.get(i + 1)).cloned()
}

/// The window process's setup: opens the window, forwards the host's `events` to it, and follows
/// the tray's messages on standard input. The app exits when its window closes (Tauri's default),
/// when the events end (the host stopped) or when standard input ends (the tray is gone).
pub fn setup<R: Runtime>(
    app: &AppHandle<R>,
    view: Option<&str>,
    backend: Backend,
    events: Events,
) -> tauri::Result<()> {
    create(app, view)?;
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let mut events = crate::engine_events(&backend, events).await;
        while let Some(event) = events.recv().await {
            let _ = handle.emit(EVENT_NAME, &event);
            if matches!(event, Event::HostStopping) {
                break;
            }
        }
        tracing::info!("the host stopped: closing the window");
        handle.exit(0);
    });
    let handle = app.clone();
    std::thread::Builder::new().name("tray-messages".into()).spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            match serde_json::from_str::<Message>(&line) {
                Ok(Message::Open { view }) => {
                    let app = handle.clone();
                    let _ = handle.run_on_main_thread(move || show(&app, view.as_deref()));
                }
                Err(e) => tracing::warn!("ignoring a message the window does not know: {e}"),
            }
        }
        handle.exit(0);
    })?;
    Ok(())
}

/// Creates the window from its configuration; `view` is set as the URL hash before the page's own
/// script runs.
fn create<R: Runtime>(app: &AppHandle<R>, view: Option<&str>) -> tauri::Result<WebviewWindow<R>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == "main")
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    let mut builder = tauri::WebviewWindowBuilder::from_config(app, &config)?;
    if let Some(hash) = view.map(hash_literal) {
        builder = builder.initialization_script(format!("if (window.top === window) location.hash = {hash};"));
    }
    let window = builder.build()?;
    let _ = window.set_focus();
    Ok(window)
}

/// Shows and focuses the window (on `view`), creating it again if it was closed meanwhile.
fn show<R: Runtime>(app: &AppHandle<R>, view: Option<&str>) {
    let Some(window) = app.get_webview_window("main") else {
        if let Err(e) = create(app, view) {
            tracing::warn!("cannot open the window: {e}");
        }
        return;
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
    if let Some(view) = view {
        match window.eval(format!("location.hash = {}", hash_literal(view))) {
            Ok(()) => tracing::info!("the window shows {view}"),
            Err(e) => tracing::warn!("cannot show {view} in the window: {e}"),
        }
    }
}

/// `#view` as a JavaScript string literal (a JSON string is one, whatever the view holds).
fn hash_literal(view: &str) -> String {
    serde_json::Value::String(format!("#{view}")).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_json_line_each() {
        let message = Message::Open { view: Some("inspector/web".into()) };
        let line = serde_json::to_string(&message).expect("serialised");
        assert_eq!(line, r#"{"open":{"view":"inspector/web"}}"#);
        assert_eq!(serde_json::from_str::<Message>(&line).expect("parsed"), message);
        assert!(serde_json::from_str::<Message>(r#"{"close":{}}"#).is_err());
    }

    #[test]
    fn the_view_comes_from_its_flag_and_is_quoted_for_javascript() {
        let args: Vec<String> = ["nexsock-desktop", "--window", "--view", "inspector/web"].map(String::from).into();
        assert_eq!(view_arg(&args).as_deref(), Some("inspector/web"));
        assert_eq!(view_arg(&args[..2]), None);
        assert_eq!(hash_literal("a'b\"c"), r##""#a'b\"c""##);
    }
}
