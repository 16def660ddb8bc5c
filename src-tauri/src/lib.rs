//! nexsock's desktop app: a thin Tauri shell over the same host as `nexsock daemon`. The tray
//! process starts the host (or, when a headless one owns the state directory, attaches to it as a
//! client), turns engine events into native notifications, and keeps a tray whose menu follows the
//! engine. The window runs in a process of its own ([`window`]), a client of the host's socket,
//! so the tray never carries a webview. Commands are one-liners over the [`Backend`].

#![forbid(unsafe_code)]

pub mod actions;
pub mod backend;
pub mod commands;
pub mod menu;
pub mod notify;
pub mod tray;
pub mod window;

use std::sync::Mutex;

use nexsock_core::{CoreError, Host, Paths};
use nexsock_proto::{Event, Request, Response};
use tauri::{AppHandle, Manager, RunEvent, Runtime};
use tauri_plugin_clipboard_manager::ClipboardExt;
use tauri_plugin_notification::NotificationExt;

pub use backend::Backend;

use crate::{actions::Desktop, backend::Events, menu::TrayState, notify::Notifier, window::WindowProcess};

/// The name of the Tauri event that carries every engine [`Event`] to the webview.
pub const EVENT_NAME: &str = "nexsock://event";

/// Starts the app with its tray only: no window, no webview (as the start at login does).
pub const BACKGROUND_FLAG: &str = "--background";
/// Marks a start at login: the login chain (`Settings::login_chain`) is started.
pub const AT_LOGIN_FLAG: &str = "--at-login";

/// The app's icon as a file, for notifications (the notification server reads it by path).
struct NotificationIcon(Option<std::path::PathBuf>);

/// The host this app started, kept so that Quit can wait for it.
struct OwnedHost(Mutex<Option<Host>>);

/// Registers the bridge commands and the backend on a builder (any runtime, so tests can use the
/// mock runtime).
pub fn configure<R: Runtime>(builder: tauri::Builder<R>, backend: Backend) -> tauri::Builder<R> {
    builder.manage(backend).invoke_handler(tauri::generate_handler![
        commands::request,
        commands::copy_text,
        commands::autostart,
        commands::close_window
    ])
}

/// Starts the host for the user's state directory, or finds the one that already runs.
fn start_backend() -> Result<(Backend, Option<Host>, Option<String>), CoreError> {
    let paths = Paths::from_env()?;
    match tauri::async_runtime::block_on(Host::start(paths.clone())) {
        Ok(host) => Ok((Backend::Local(host.handle()), Some(host), None)),
        Err(CoreError::HostRunning { pid, .. }) => Ok((
            Backend::Remote(paths.socket()),
            None,
            Some(format!(
                "A headless nexsock host (pid {pid}) already owns {}: the app works as its client. Quit leaves it running.",
                paths.home.display()
            )),
        )),
        Err(other) => Err(other),
    }
}

/// The app's configuration and assets (one copy in the binary for both of its processes).
fn context() -> tauri::Context {
    tauri::generate_context!()
}

/// Runs the desktop app: the tray, or with `--window` the window process the tray starts.
pub fn run() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("NEXSOCK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == window::WINDOW_FLAG) {
        run_window(window::view_arg(&args));
    } else {
        run_tray(&args);
    }
}

/// The window process: a client of the host's socket with the window and nothing else.
fn run_window(view: Option<String>) {
    let socket = match Paths::from_env() {
        Ok(paths) => paths.socket(),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let backend = Backend::Remote(socket.clone());
    // Subscribed before the page exists, so it misses nothing from its first read on.
    let Some(events) = tauri::async_runtime::block_on(backend.subscribe()) else {
        eprintln!(
            "error: no nexsock host answers on {}: the window is opened from the tray (nexsock-desktop)",
            socket.display()
        );
        std::process::exit(1);
    };
    let app = configure(tauri::Builder::default(), backend.clone())
        .plugin(tauri_plugin_autostart::Builder::new().args([BACKGROUND_FLAG, AT_LOGIN_FLAG]).build())
        .plugin(tauri_plugin_clipboard_manager::init())
        .setup(move |app| Ok(window::setup(app.handle(), view.as_deref(), backend, events)?))
        .build(context())
        .unwrap_or_else(|e| {
            eprintln!("error: cannot open the window: {e}");
            std::process::exit(1);
        });
    // Closing the window ends this process (Tauri's default once the last window is gone).
    app.run(|_, _| {});
}

/// The tray process.
fn run_tray(args: &[String]) {
    let (backend, host, notice) = match start_backend() {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: cannot start the nexsock host: {e}");
            std::process::exit(1);
        }
    };
    let owns_host = backend.owns_host();
    let background = args.iter().any(|a| a == BACKGROUND_FLAG);
    let at_login = args.iter().any(|a| a == AT_LOGIN_FLAG);
    let app = tauri::Builder::default()
        .manage(backend.clone())
        // A second launch opens the window, unless it is a start in the background (at login).
        .plugin(tauri_plugin_single_instance::init(|app, args, _cwd| {
            if !args.iter().any(|a| a == BACKGROUND_FLAG) {
                app.show_window();
            }
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_clipboard_manager::init())
        .manage(OwnedHost(Mutex::new(host)))
        .manage(NotificationIcon(notification_icon()))
        .manage(WindowProcess::default())
        .setup(move |app| {
            let handle = app.handle().clone();
            tray::create(&handle, owns_host)?;
            // The window (and with it the webview and WebKit's processes) exists only while it is
            // open, in a process of its own; `--background` starts with the tray alone.
            if !background {
                handle.show_window();
            }
            if let Some(notice) = notice {
                let _ = handle.notification().builder().title("nexsock").body(notice).show();
            }
            tauri::async_runtime::spawn(exit_on_signal(handle.clone()));
            if at_login {
                let (backend, app) = (backend.clone(), handle.clone());
                tauri::async_runtime::spawn(async move {
                    if let Err(e) = start_login_chain(&backend).await {
                        app.notify("Starting at login failed", &e.message);
                    }
                });
            }
            tauri::async_runtime::spawn(async move {
                follow_engine(handle.clone(), backend).await;
                // The host stopped (`nexsock shutdown`, or Quit): an app that owned it has nothing
                // left to show, so it exits with it (after the host's services are down).
                if owns_host {
                    handle.exit(0);
                }
            });
            Ok(())
        })
        .build(context())
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start the desktop app: {e}");
            std::process::exit(1);
        });
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            if let Some(window) = app.try_state::<WindowProcess>() {
                window.close();
            }
            stop_owned_host(app);
        }
    });
}

/// Every engine event from `events` on, preceded by the host's reconciliation, which is read once
/// after the subscription so nothing falls between: a previous host's leftovers may already be
/// dealt with by now.
async fn engine_events(backend: &Backend, mut events: Events) -> tokio::sync::mpsc::UnboundedReceiver<Event> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Event>();
    if let Ok(Response::Reconciliation(r)) = backend.call(Request::Reconciliation).await {
        let _ = tx.send(Event::Reconciliation(r));
    }
    tauri::async_runtime::spawn(async move {
        while let Some(event) = events.next().await {
            if tx.send(event).is_err() {
                return;
            }
        }
    });
    rx
}

/// Turns engine events into notifications and keeps the tray current, until the host stops.
async fn follow_engine<R: Runtime>(app: AppHandle<R>, backend: Backend) {
    let Some(events) = backend.subscribe().await else { return };
    let mut rx = engine_events(&backend, events).await;
    refresh_tray(&app, &backend).await;
    let mut notifier = Notifier::default();
    // Passes one event on; false once the host has stopped.
    let mut pass_on = |event: &Event| {
        if let Some((title, body)) = notifier.on_event(event) {
            show_notification(&app, &title, &body, notify::view_for(event));
        }
        !matches!(event, Event::HostStopping)
    };
    while let Some(event) = rx.recv().await {
        if !pass_on(&event) {
            return;
        }
        // What the menu shows: services (status line, Start chain, Profiles), tunnels, profiles.
        let tray_relevant = matches!(
            event,
            Event::ServiceChanged(_)
                | Event::ServiceAdded(_)
                | Event::ServiceUpdated(_)
                | Event::ServiceRemoved { .. }
                | Event::TunnelCreated(_)
                | Event::TunnelFailed(_)
                | Event::TunnelRecreated { .. }
                | Event::TunnelClosed(_)
                | Event::ProfilesChanged
                | Event::Reconciliation(_)
        );
        // Bursts (a chain start) coalesce into one rebuild.
        if tray_relevant {
            while let Ok(next) = rx.try_recv() {
                if !pass_on(&next) {
                    return;
                }
            }
            refresh_tray(&app, &backend).await;
        }
    }
}

/// SIGTERM or SIGINT (a logout, `kill`, Ctrl+C in a terminal) quits like the menu does, so the
/// services stop with the app instead of waiting for the next host to find them.
async fn exit_on_signal<R: Runtime>(app: AppHandle<R>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        app.exit(0);
    }
    // Windows: Ctrl+C or Ctrl+Break in the console the app was started from.
    #[cfg(not(unix))]
    if tokio::signal::ctrl_c().await.is_ok() {
        app.exit(0);
    }
}

/// Starts the login chain (`nexsock login-chain`), if one is set; answers what was started. A
/// failed chain is announced like any other (by its end event).
pub async fn start_login_chain(
    backend: &Backend,
) -> Result<Option<nexsock_proto::ExecutionReport>, nexsock_proto::ApiError> {
    let Response::Settings(settings) = backend.call(Request::GetSettings).await? else { return Ok(None) };
    let Some(chain) = settings.login_chain else { return Ok(None) };
    tracing::info!(roots = ?chain.roots, "starting the login chain");
    match backend.call(Request::StartChain(chain)).await? {
        Response::Execution(report) => Ok(Some(report)),
        _ => Ok(None),
    }
}

/// Reads services, tunnels, profiles and settings, and rebuilds the tray from them.
pub async fn tray_state(backend: &Backend) -> TrayState {
    let mut state = TrayState::default();
    if let Ok(Response::Services(s)) = backend.call(Request::ListServices).await {
        state.services = s;
    }
    if let Ok(Response::Tunnels(t)) = backend.call(Request::ListTunnels).await {
        state.tunnels = t;
    }
    if let Ok(Response::Profiles(p)) = backend.call(Request::ListProfiles).await {
        state.profiles = p;
    }
    if let Ok(Response::Reconciliation(r)) = backend.call(Request::Reconciliation).await {
        state.reconciliation = r;
    }
    if let Ok(Response::Settings(settings)) = backend.call(Request::GetSettings).await {
        state.settings = Some(settings);
    }
    state
}

async fn refresh_tray<R: Runtime>(app: &AppHandle<R>, backend: &Backend) {
    let state = tray_state(backend).await;
    if let Err(e) = tray::refresh(app, &state, backend.owns_host()) {
        tracing::warn!("cannot refresh the tray: {e}");
    }
}

/// A tray click: run its action off the main thread; failures become a notification.
pub(crate) fn on_menu_event<R: Runtime>(app: &AppHandle<R>, id: &str) {
    let Some(action) = menu::MenuAction::parse(id) else { return };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let backend = app.state::<Backend>().inner().clone();
        if let Err(e) = actions::perform(action, &backend, &app).await {
            app.notify("nexsock", &e.message);
        }
    });
}

fn stop_owned_host<R: Runtime>(app: &AppHandle<R>) {
    let host = app.try_state::<OwnedHost>().and_then(|h| h.0.lock().ok()?.take());
    if let Some(host) = host {
        tauri::async_runtime::block_on(host.shutdown());
    }
}

/// Writes the app's icon where the notification server can read it (the state directory), once.
fn notification_icon() -> Option<std::path::PathBuf> {
    let path = Paths::from_env().ok()?.home.join("nexsock.png");
    let icon = include_bytes!("../../icons/128x128.png");
    if std::fs::read(&path).ok().as_deref() != Some(icon.as_slice()) {
        let access = nexsock_core::statedir::Access::Replace;
        nexsock_core::statedir::write(&path, icon, access).map_err(|e| tracing::warn!("{e}")).ok()?;
    }
    Some(path)
}

/// A native notification from "nexsock" with the app's icon; clicking it (its default action, where
/// the notification server offers actions) opens the window on `view`.
fn show_notification<R: Runtime>(app: &AppHandle<R>, title: &str, body: &str, view: &'static str) {
    #[cfg(target_os = "linux")]
    {
        let mut note = notify_rust::Notification::new();
        note.appname("nexsock").summary(title).body(body).action("default", "Open nexsock");
        if let Some(icon) = app.try_state::<NotificationIcon>().and_then(|i| i.0.clone()) {
            note.icon(&icon.display().to_string());
        }
        let app = app.clone();
        // Waiting for the click blocks until the notification closes: a thread of its own.
        std::thread::spawn(move || match note.show() {
            Ok(handle) => handle.wait_for_action(|action| {
                if action == "default" {
                    tracing::info!("a notification was clicked: opening the {view} view");
                    app.show_view(view);
                }
            }),
            Err(e) => tracing::warn!("cannot show a notification: {e}"),
        });
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = view;
        let mut note = app.notification().builder().title(title).body(body);
        if let Some(icon) = app.try_state::<NotificationIcon>().and_then(|i| i.0.clone()) {
            note = note.icon(icon.display().to_string());
        }
        if let Err(e) = note.show() {
            tracing::warn!("cannot show a notification: {e}");
        }
    }
}

impl<R: Runtime> Desktop for AppHandle<R> {
    fn notify(&self, title: &str, body: &str) {
        show_notification(self, title, body, "services");
    }

    fn copy(&self, text: &str) -> Result<(), String> {
        self.clipboard().write_text(text).map_err(|e| e.to_string())
    }

    fn show_window(&self) {
        if let Some(window) = self.try_state::<WindowProcess>() {
            window.open(None);
        }
    }

    fn show_view(&self, view: &str) {
        if let Some(window) = self.try_state::<WindowProcess>() {
            window.open(Some(view));
        }
    }

    fn exit(&self) {
        // RunEvent::Exit (on the main thread) waits for the host; this may run on a runtime worker.
        AppHandle::exit(self, 0);
    }
}
