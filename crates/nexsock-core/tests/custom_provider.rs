//! A custom tunnel provider registered next to the built-ins is chosen by a profile's provider
//! name, opens tunnels, and its URL is injected into dependents — the same path as ngrok or bore.

#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::{Arc, Mutex};

use nexsock_core::{
    Paths,
    engine::{Extensions, start_with},
    secrets::MemoryStore,
    store::Store,
    tunnel::{BoxFuture, OpenTunnel, ProviderRegistry, TunnelError, TunnelProvider, TunnelRequest},
};
use nexsock_proto::{
    ChainRequest, DependencySpec, HealthCheck, ProfileSpec, ProviderKind, Request, Response, ServiceSpec, TunnelMode,
};

/// "Exposes" a service at a made-up public address and remembers what it was asked.
#[derive(Default)]
struct Mirror {
    opened: Mutex<Vec<String>>,
}

impl TunnelProvider for Mirror {
    fn name(&self) -> &str {
        "mirror"
    }

    fn create(&self, request: TunnelRequest) -> BoxFuture<'_, Result<OpenTunnel, TunnelError>> {
        Box::pin(async move {
            self.opened.lock().unwrap().push(request.service.clone());
            Ok(OpenTunnel {
                public_url: format!("https://{}.mirror.example:{}", request.service, request.local_port),
                service: request.service,
                profile: request.profile.name,
                local_port: request.local_port,
            })
        })
    }

    fn destroy<'a>(&'a self, _service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async { Ok(()) })
    }

    fn list(&self) -> Vec<OpenTunnel> {
        Vec::new()
    }

    fn health<'a>(&'a self, _service: &'a str) -> BoxFuture<'a, Result<(), TunnelError>> {
        Box::pin(async { Ok(()) })
    }
}

fn spec(name: &str, command: &str, port: Option<u32>, health: Option<HealthCheck>) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        command: command.into(),
        cwd: None,
        port,
        env: Default::default(),
        health,
        restart: Default::default(),
        startup_timeout_secs: 10,
        stop_grace_secs: 1,
        inherit: None,
        tags: Vec::new(),
    }
}

#[tokio::test]
async fn a_registered_custom_provider_opens_tunnels_and_its_url_is_injected() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_home(dir.path());
    std::fs::create_dir_all(paths.logs()).unwrap();
    let mirror = Arc::new(Mirror::default());
    let mut providers = ProviderRegistry::with_builtins();
    providers.register(mirror.clone());
    let extensions = Extensions { providers, secrets: Arc::new(MemoryStore::default()), ..Default::default() };
    let (handle, engine) = start_with(Store::open(&paths.database()).unwrap(), paths, extensions).unwrap();

    let unknown = ProfileSpec {
        name: "typo".into(),
        provider: "mirorr".parse().unwrap(),
        url: None,
        server: None,
        binary: None,
        command: None,
        url_pattern: None,
        token_env: None,
        url_timeout_secs: None,
    };
    let err = handle.call(Request::AddProfile(unknown.clone())).await.unwrap_err();
    assert!(err.to_string().contains("no tunnel provider `mirorr`"), "{err}");

    let profile = ProfileSpec { name: "m".into(), provider: ProviderKind::Custom("mirror".into()), ..unknown };
    handle.call(Request::AddProfile(profile)).await.unwrap();
    handle.call(Request::AddService(spec("api", "exec sleep 1000", Some(4100), None))).await.unwrap();
    let health = Some(HealthCheck::Log { pattern: "^url=".into() });
    handle
        .call(Request::AddService(spec("web", "echo \"url=$API_URL\"; exec sleep 1000", None, health)))
        .await
        .unwrap();
    let edge = DependencySpec {
        service: "web".into(),
        depends_on: "api".into(),
        condition: None,
        required: true,
        tunnel_mode: TunnelMode::Required,
        timeout_secs: None,
        health_path: None,
        env_alias: Some("API_URL".into()),
        restart_on_new_url: true,
    };
    handle.call(Request::AddDependency(edge)).await.unwrap();
    let chain = ChainRequest::of(vec!["web".into()]);
    let Response::Execution(report) = handle.call(Request::StartChain(chain)).await.unwrap() else { panic!() };
    assert_eq!(report.status, nexsock_proto::ExecutionStatus::Completed, "{report:?}");
    assert_eq!(*mirror.opened.lock().unwrap(), ["api"]);
    let Response::Logs(lines) =
        handle.call(Request::Logs { name: "web".into(), tail: Some(1), follow: false }).await.unwrap()
    else {
        panic!()
    };
    // The provider was given the tunnel's recording proxy to forward to, not the service's port.
    let Response::Tunnels(tunnels) = handle.call(Request::ListTunnels).await.unwrap() else { panic!() };
    let (local, proxy) = (tunnels[0].local_port, tunnels[0].inspector_port.unwrap());
    assert_eq!(local, 4100);
    assert_ne!(proxy, 4100);
    assert_eq!(lines[0].text, format!("url=https://api.mirror.example:{proxy}"));
    handle.call(Request::Shutdown).await.unwrap();
    engine.await.unwrap();
}
