//! The desktop shell on Tauri's mock runtime against a real engine (temp state, real processes):
//! the bridge command, and every tray menu action as a function over the backend. The only stand-in
//! is the recorder of OS effects (notifications, clipboard, window, exit), which need a display;
//! the headless end-to-end suite checks those for real.

#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Mutex;

use nexsock_core::{Host, Paths};
use nexsock_desktop::{
    Backend,
    actions::{Desktop, perform},
    configure,
    menu::{Entry, Health, MenuAction},
    notify::Notifier,
    tray_state,
};
use nexsock_proto::{ProfileSpec, ProviderKind, Request, Response, ServiceSpec, ServiceState, StrategySpec};
use serde_json::json;
use tauri::{
    ipc::{CallbackFn, InvokeBody},
    test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets},
    webview::InvokeRequest,
};

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn effects(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl Desktop for Recorder {
    fn notify(&self, title: &str, body: &str) {
        self.0.lock().unwrap().push(format!("notify {title}: {body}"));
    }
    fn copy(&self, text: &str) -> Result<(), String> {
        self.0.lock().unwrap().push(format!("copy {text}"));
        Ok(())
    }
    fn show_window(&self) {
        self.0.lock().unwrap().push("show".into());
    }
    fn show_view(&self, view: &str) {
        self.0.lock().unwrap().push(format!("show #{view}"));
    }
    fn exit(&self) {
        self.0.lock().unwrap().push("exit".into());
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    host: Option<Host>,
    backend: Backend,
}

impl Fixture {
    fn start() -> Self {
        let dir = tempfile::Builder::new().prefix("nxd").tempdir_in("/tmp").unwrap();
        let host = tauri::async_runtime::block_on(Host::start(Paths::in_home(dir.path()))).unwrap();
        let backend = Backend::Local(host.handle());
        Self { _dir: dir, host: Some(host), backend }
    }

    fn call(&self, request: Request) -> Response {
        tauri::async_runtime::block_on(self.backend.call(request)).unwrap()
    }

    fn add(&self, name: &str, command: &str, port: Option<u32>) {
        self.call(Request::AddService(ServiceSpec {
            name: name.into(),
            command: command.into(),
            cwd: None,
            port,
            env: Default::default(),
            health: None,
            restart: Default::default(),
            startup_timeout_secs: 10,
            stop_grace_secs: 2,
            inherit: None,
            tags: Vec::new(),
        }));
    }

    fn state_of(&self, name: &str) -> ServiceState {
        let Response::Services(all) = self.call(Request::ListServices) else { panic!() };
        all.into_iter().find(|s| s.name == name).unwrap().state
    }

    fn perform(&self, action: MenuAction, desktop: &Recorder) {
        tauri::async_runtime::block_on(perform(action, &self.backend, desktop)).unwrap();
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Some(host) = self.host.take() {
            tauri::async_runtime::block_on(host.shutdown());
        }
    }
}

fn invoke(
    webview: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    request: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: "request".into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(json!({ "request": request })),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| body.deserialize().unwrap())
}

#[test]
fn the_bridge_command_carries_contract_requests_and_typed_errors() {
    let fx = Fixture::start();
    let app = configure(mock_builder(), fx.backend.clone()).build(mock_context(noop_assets())).unwrap();
    let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default()).build().unwrap();
    let added =
        invoke(&webview, json!({ "type": "add_service", "data": { "name": "api", "command": "exec sleep 1000" } }))
            .unwrap();
    assert_eq!(added["type"], "service");
    let listed = invoke(&webview, json!({ "type": "list_services" })).unwrap();
    assert_eq!(listed["data"][0]["name"], "api");
    let err = invoke(&webview, json!({ "type": "add_service", "data": { "name": "bad name", "command": "true" } }))
        .unwrap_err();
    assert_eq!(err["code"], "invalid_name", "{err}");
    assert!(err["message"].as_str().unwrap().contains("invalid service name"));
}

#[test]
fn start_chain_from_the_tray_starts_the_chain_and_says_so() {
    let fx = Fixture::start();
    fx.add("db", "exec sleep 1000", None);
    fx.add("api", "exec sleep 1000", None);
    fx.call(Request::AddDependency(nexsock_proto::DependencySpec {
        service: "api".into(),
        depends_on: "db".into(),
        condition: None,
        required: true,
        tunnel_mode: Default::default(),
        timeout_secs: None,
        health_path: None,
        env_alias: None,
        restart_on_new_url: true,
    }));
    let desktop = Recorder::default();
    fx.perform(MenuAction::StartChain("api".into()), &desktop);
    assert_eq!((fx.state_of("db"), fx.state_of("api")), (ServiceState::Ready, ServiceState::Ready));
    let effects = desktop.effects();
    assert_eq!(effects.len(), 1, "{effects:?}");
    assert!(effects[0].starts_with("notify api is ready: 2 services started by concurrent"), "{effects:?}");
}

#[test]
fn a_tray_start_that_fails_on_a_held_port_names_the_holder_in_its_notification() {
    use nexsock_proto::{Event, ExecutionStatus};
    let fx = Fixture::start();
    // Something nexsock did not start listens on the port.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    fx.add("api", "exec sleep 1000", Some(u32::from(port)));
    let desktop = Recorder::default();
    fx.perform(MenuAction::StartChain("api".into()), &desktop);
    assert_eq!(fx.state_of("api"), ServiceState::Failed);
    // The failure is announced from the chain's end event, as for any chain start.
    let Response::History(reports) = fx.call(Request::History { name: "api".into(), limit: Some(1) }) else { panic!() };
    assert_eq!(reports[0].status, ExecutionStatus::Failed);
    let (title, body) = Notifier::default().on_event(&Event::ExecutionFinished(reports[0].clone())).unwrap();
    assert_eq!(title, "Starting api failed");
    let holder = format!("port {port} of `api` is held by pid {}", std::process::id());
    assert!(body.contains(&holder), "{body}");
}

#[test]
fn copy_url_switch_profile_stop_all_open_and_quit_act_on_the_engine() {
    let server_one = nexsock_tests::BoreServer::start();
    let server_two = nexsock_tests::BoreServer::start();
    let mut fx = Fixture::start();
    for (name, server) in [("one", &server_one), ("two", &server_two)] {
        fx.call(Request::AddProfile(ProfileSpec {
            name: name.into(),
            provider: ProviderKind::Bore,
            url: None,
            server: Some(server.ip.to_string()),
            binary: None,
            command: None,
            url_pattern: None,
            token_env: None,
            url_timeout_secs: None,
        }));
    }
    let port = u32::from(nexsock_tests::free_port());
    fx.add("web", "exec sleep 1000", Some(port));
    fx.call(Request::StartService { name: "web".into() });
    let Response::Tunnel(tunnel) = fx.call(Request::OpenTunnel { service: "web".into(), profile: None }) else {
        panic!()
    };
    let url = tunnel.public_url.unwrap();
    let desktop = Recorder::default();

    fx.perform(MenuAction::CopyUrl("web".into()), &desktop);
    assert_eq!(desktop.effects(), [format!("copy {url}"), format!("notify Tunnel URL copied: {url}")]);

    // The Tunnels submenu offers each tunnel's inspector, which opens the window there.
    let state = tauri::async_runtime::block_on(tray_state(&fx.backend));
    let tunnels = state.menu(true).into_iter().find_map(|e| match e {
        Entry::Submenu { label, entries } if label == "Tunnels" => Some(entries),
        _ => None,
    });
    let inspect = tunnels.unwrap().into_iter().find_map(|e| match e {
        Entry::Item { action: action @ MenuAction::Inspect(_), label } => Some((action, label)),
        _ => None,
    });
    let (action, label) = inspect.expect("an Inspect item in the Tunnels submenu");
    assert_eq!((action.clone(), label.as_str()), (MenuAction::Inspect("web".into()), "Inspect web"));
    fx.perform(action, &desktop);
    assert_eq!(desktop.effects().last().map(String::as_str), Some("show #inspector/web"));

    fx.perform(MenuAction::SwitchProfile { service: "web".into(), profile: "two".into() }, &desktop);
    let moved =
        nexsock_tests::wait_for("the tunnel to move to profile two", std::time::Duration::from_secs(20), || {
            let Response::Tunnels(t) = fx.call(Request::ListTunnels) else { return None };
            t.into_iter().find(|t| t.profile == "two" && t.public_url.is_some())
        });
    assert!(moved.public_url.unwrap().contains(&server_two.ip.to_string()));
    let state = tauri::async_runtime::block_on(tray_state(&fx.backend));
    let profiles = state.menu(true).into_iter().find_map(|e| match e {
        Entry::Submenu { label, entries } if label == "Profiles" => Some(entries),
        _ => None,
    });
    let checked: Vec<_> = match &profiles.unwrap()[0] {
        Entry::Submenu { entries, .. } => entries
            .iter()
            .filter_map(|e| match e {
                Entry::Check { label, checked: true, .. } => Some(label.clone()),
                _ => None,
            })
            .collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(checked, ["two (bore)"]);

    // A strategy declared at run time is offered by the tray, and choosing it makes it the default.
    let spec = StrategySpec {
        name: "db-first".into(),
        base: "concurrent".into(),
        priority: vec!["web".into()],
        max_concurrent: Some(2),
    };
    fx.call(Request::AddStrategy(spec));
    let strategies = |fx: &Fixture| {
        let state = tauri::async_runtime::block_on(tray_state(&fx.backend));
        state.menu(true).into_iter().find_map(|e| match e {
            Entry::Submenu { label, entries } if label == "Start strategy" => Some(
                entries
                    .into_iter()
                    .filter_map(|e| match e {
                        Entry::Check { label, checked, .. } => Some((label, checked)),
                        _ => None,
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
    };
    let offered = strategies(&fx).unwrap();
    assert!(offered.contains(&("db-first".to_owned(), false)), "{offered:?}");
    assert_eq!(offered.iter().filter(|(_, checked)| *checked).count(), 1, "{offered:?}");
    fx.perform(MenuAction::DefaultStrategy("db-first".into()), &desktop);
    let Response::Settings(settings) = fx.call(Request::GetSettings) else { panic!() };
    assert_eq!(settings.default_strategy, "db-first");
    let checked: Vec<_> = strategies(&fx).unwrap().into_iter().filter(|(_, c)| *c).map(|(l, _)| l).collect();
    assert_eq!(checked, ["db-first"]);

    fx.perform(MenuAction::StopAll, &desktop);
    assert_eq!(fx.state_of("web"), ServiceState::Stopped);

    fx.perform(MenuAction::Open, &desktop);
    fx.call(Request::StartService { name: "web".into() });
    fx.perform(MenuAction::Quit, &desktop);
    let effects = desktop.effects();
    assert_eq!(&effects[effects.len() - 2..], ["show", "exit"]);
    // Quit stopped the engine: the host ends and no service is left running.
    let host = fx.host.take().unwrap();
    tauri::async_runtime::block_on(host.wait());
    let err = tauri::async_runtime::block_on(fx.backend.call(Request::ListServices)).unwrap_err();
    assert_eq!(err.code, nexsock_proto::ErrorCode::ShuttingDown);
}

#[test]
fn menu_ids_are_declared_once_and_round_trip() {
    for action in [
        MenuAction::StartChain("web-api".into()),
        MenuAction::StartTag("backend".into()),
        MenuAction::CopyUrl("web".into()),
        MenuAction::Inspect("web".into()),
        MenuAction::SwitchProfile { service: "web".into(), profile: "work".into() },
        MenuAction::DefaultStrategy("db-first".into()),
        MenuAction::StopAll,
        MenuAction::Open,
        MenuAction::Quit,
    ] {
        assert_eq!(MenuAction::parse(&action.id()), Some(action));
    }
    assert_eq!(MenuAction::parse("status"), None);
}

#[test]
fn the_icon_shows_aggregate_health_and_notifications_follow_the_rules() {
    use nexsock_proto::{Event, ServiceStatus};
    let status = |name: &str, state| ServiceStatus {
        name: name.into(),
        state,
        pid: None,
        port: None,
        since_ms: None,
        reason: Some("exited with code 1".into()),
        restarts: 0,
        last_exit: None,
        tunnel_profile: None,
        restart_to_apply: false,
        log_write_failures: 0,
        last_log_error: None,
        tags: Vec::new(),
    };
    let mut state = nexsock_desktop::menu::TrayState::default();
    assert_eq!(state.health(), Health::Idle);
    state.services = vec![status("a", ServiceState::Ready), status("b", ServiceState::Starting)];
    assert_eq!(state.health(), Health::Starting);
    state.services.push(status("c", ServiceState::Failed));
    assert_eq!(state.health(), Health::Failed);
    assert_eq!(state.status_line(), "1/3 services ready · 0 tunnels open");
    state.services.push(status("migrate", ServiceState::Completed));
    assert_eq!(state.health(), Health::Failed, "a completed one-shot changes nothing");
    assert_eq!(state.status_line(), "1/4 services ready · 1 completed · 0 tunnels open");
    state.services.pop();
    state.services[0].restart_to_apply = true;
    assert_eq!(state.status_line(), "1/3 services ready · 0 tunnels open · 1 to restart to apply changes");
    state.services[0].restart_to_apply = false;
    // Each tag is a start of its own under Start chain, after the services.
    state.services[0].tags = vec!["backend".into()];
    state.services[1].tags = vec!["backend".into(), "jobs".into()];
    let menu = state.menu(true);
    let Some(nexsock_desktop::menu::Entry::Submenu { entries, .. }) = menu
        .iter()
        .find(|e| matches!(e, nexsock_desktop::menu::Entry::Submenu { label, .. } if label == "Start chain"))
    else {
        panic!("a Start chain submenu: {menu:?}");
    };
    let tags: Vec<String> = entries
        .iter()
        .filter_map(|e| match e {
            nexsock_desktop::menu::Entry::Item { action: MenuAction::StartTag(_), label } => Some(label.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(tags, ["tag backend (2 services)", "tag jobs (1 service)"]);
    state.services.iter_mut().for_each(|s| s.tags.clear());

    let mut notifier = Notifier::default();
    assert_eq!(notifier.on_event(&Event::ServiceChanged(status("a", ServiceState::Starting))), None);
    assert_eq!(
        notifier.on_event(&Event::ServiceChanged(status("a", ServiceState::Failed))),
        None,
        "a failed start is not a crash"
    );
    notifier.on_event(&Event::ServiceChanged(status("a", ServiceState::Ready)));
    let crash = notifier.on_event(&Event::ServiceChanged(status("a", ServiceState::Failed)));
    assert_eq!(crash, Some(("a crashed".into(), "exited with code 1".into())));
    assert_eq!(
        nexsock_desktop::notify::view_for(&Event::ServiceChanged(status("a", ServiceState::Failed))),
        "services"
    );
    assert_eq!(nexsock_desktop::notify::view_for(&Event::HostStopping), "services");

    // A previous host's leftovers: the status line counts those still being stopped; one
    // notification sums up once all are dealt with, however often the state is seen again.
    let mut leftovers = nexsock_proto::Reconciliation {
        remaining: vec!["a".into(), "b".into()],
        gone: vec!["c".into()],
        ..Default::default()
    };
    state.reconciliation = leftovers.clone();
    assert_eq!(state.status_line(), "1/3 services ready · 0 tunnels open · stopping 2 left by a previous host");
    assert_eq!(notifier.on_event(&Event::Reconciliation(leftovers.clone())), None, "not done yet");
    leftovers.remaining.clear();
    leftovers.stopped = vec!["a".into()];
    leftovers.failed = vec![nexsock_proto::LeftoverFailure { service: "b".into(), reason: "in D state".into() }];
    let (title, body) = notifier.on_event(&Event::Reconciliation(leftovers.clone())).unwrap();
    assert_eq!(title, "nexsock could not stop everything a previous host left");
    assert_eq!(
        body,
        "It had died and left services running: stopped a; could not stop b (in D state); already gone: c."
    );
    assert_eq!(notifier.on_event(&Event::Reconciliation(leftovers)), None, "one summary, not one per look");
    assert_eq!(
        Notifier::default().on_event(&Event::Reconciliation(nexsock_proto::Reconciliation::default())),
        None,
        "nothing was left"
    );
}

#[test]
fn the_login_chain_is_validated_stored_and_started_at_login() {
    use nexsock_proto::{ChainRequest, ErrorCode};
    let fx = Fixture::start();
    fx.add("db", "exec sleep 1000", None);
    fx.add("api", "exec sleep 1000", None);
    let set =
        |chain: Option<ChainRequest>| tauri::async_runtime::block_on(fx.backend.call(Request::SetLoginChain { chain }));
    let chain = |roots: &[&str], strategy: Option<&str>| ChainRequest {
        roots: roots.iter().map(|r| (*r).to_owned()).collect(),
        strategy: strategy.map(str::to_owned),
        max_concurrent: None,
        rerun: Vec::new(),
        options: Default::default(),
    };
    assert_eq!(set(Some(chain(&["nope"], None))).unwrap_err().code, ErrorCode::UnknownService);
    assert_eq!(set(Some(chain(&["api"], Some("fastest")))).unwrap_err().code, ErrorCode::UnknownStrategy);
    assert_eq!(set(Some(chain(&[], None))).unwrap_err().code, ErrorCode::InvalidArgument);
    // Nothing set: a start at login starts nothing.
    assert!(tauri::async_runtime::block_on(nexsock_desktop::start_login_chain(&fx.backend)).unwrap().is_none());
    set(Some(chain(&["api", "db"], Some("sequential")))).unwrap();
    let Response::Settings(settings) = fx.call(Request::GetSettings) else { panic!() };
    assert_eq!(settings.login_chain, Some(chain(&["api", "db"], Some("sequential"))));
    let report = tauri::async_runtime::block_on(nexsock_desktop::start_login_chain(&fx.backend)).unwrap().unwrap();
    assert_eq!(report.strategy, "sequential");
    assert_eq!((fx.state_of("db"), fx.state_of("api")), (ServiceState::Ready, ServiceState::Ready));
    set(None).unwrap();
    let Response::Settings(settings) = fx.call(Request::GetSettings) else { panic!() };
    assert_eq!(settings.login_chain, None);
}
