//! The `command` provider's token: stored in the secret store, it reaches the tool only as the
//! variable its profile names — never its arguments, the profile list, the tunnel list or a
//! service's environment — with a real tool process (the tests' stand-in) and a real engine.

#![allow(clippy::unwrap_used, missing_docs)]

use std::{path::Path, sync::Arc, time::Duration};

use nexsock_core::{
    Paths,
    engine::{Extensions, start_with},
    secrets::MemoryStore,
    store::Store,
};
use nexsock_proto::{ProfileSpec, ProviderKind, Request, Response, SecretString, ServiceSpec};

const TOKEN: &str = "tok-3f9a-very-secret";

fn tool() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/fake-url-tool").display().to_string()
}

fn cmdlines() -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| std::fs::read(e.ok()?.path().join("cmdline")).ok())
        .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " "))
        .collect()
}

#[tokio::test]
async fn the_token_reaches_the_tool_only_through_its_variable() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_home(dir.path());
    std::fs::create_dir_all(paths.logs()).unwrap();
    let extensions = Extensions { secrets: Arc::new(MemoryStore::default()), ..Default::default() };
    let (handle, engine) = start_with(Store::open(&paths.database()).unwrap(), paths, extensions).unwrap();

    let out = dir.path().join("token-seen");
    let template = format!("'{}' --port {{port}} --token-var RUN_TOKEN --token-out '{}'", tool(), out.display());
    let profile = ProfileSpec {
        name: "run".into(),
        provider: ProviderKind::Command,
        url: None,
        server: None,
        binary: None,
        command: Some(template),
        url_pattern: Some(r"Forwarding: (http://\S+)".into()),
        token_env: Some("RUN_TOKEN".into()),
        url_timeout_secs: None,
    };
    handle.call(Request::AddProfile(profile)).await.unwrap();
    let token = SecretString::new(TOKEN);
    handle.call(Request::SetProfileToken { name: "run".into(), token }).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let web = ServiceSpec {
        name: "web".into(),
        command: "exec sleep 1000".into(),
        cwd: None,
        port: Some(u32::from(port)),
        env: Default::default(),
        health: None,
        restart: Default::default(),
        startup_timeout_secs: 10,
        stop_grace_secs: 1,
        inherit: None,
        tags: Vec::new(),
    };
    handle.call(Request::AddService(web)).await.unwrap();
    handle.call(Request::StartService { name: "web".into() }).await.unwrap();
    let Response::Tunnel(tunnel) =
        handle.call(Request::OpenTunnel { service: "web".into(), profile: None }).await.unwrap()
    else {
        panic!()
    };
    assert!(tunnel.public_url.as_deref().unwrap().starts_with("http://127.0.0.1:"), "{tunnel:?}");

    assert_eq!(std::fs::read_to_string(&out).unwrap(), TOKEN, "the tool got the token in RUN_TOKEN");
    assert!(cmdlines().iter().all(|c| !c.contains(TOKEN)), "the token is on a command line");
    let answers = [
        handle.call(Request::ListProfiles).await.unwrap(),
        handle.call(Request::ListTunnels).await.unwrap(),
        handle.call(Request::ServiceEnv { name: "web".into(), reveal: true }).await.unwrap(),
    ];
    for answer in answers {
        assert!(!serde_json::to_string(&answer).unwrap().contains(TOKEN), "{answer:?}");
    }
    let config = std::fs::read_to_string(dir.path().join("config.toml")).unwrap();
    assert!(!config.contains(TOKEN), "{config}");

    handle.call(Request::Shutdown).await.unwrap();
    tokio::time::timeout(Duration::from_secs(30), engine).await.unwrap().unwrap();
}
