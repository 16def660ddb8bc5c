//! A custom strategy registered next to the built-ins is chosen by name and its plan is what the
//! engine executes — with real processes and a real store.

#![allow(clippy::unwrap_used, missing_docs)]

use std::sync::Arc;

use nexsock_core::{
    Paths,
    engine::{Extensions, start_with},
    graph::{DependencyGraph, GraphError},
    secrets::MemoryStore,
    store::Store,
    strategy::{DependencyStrategy, Plan, PlanOptions, StrategyRegistry, dependency_step},
};
use nexsock_proto::{ChainRequest, DependencySpec, Request, Response, ServiceSpec, TunnelMode};

/// Starts one service at a time, in reverse alphabetical order where dependencies allow.
struct ReverseAlphabetical;

impl DependencyStrategy for ReverseAlphabetical {
    fn name(&self) -> &'static str {
        "reverse-alphabetical"
    }

    fn plan(&self, graph: &DependencyGraph, roots: &[String], _options: &PlanOptions) -> Result<Plan, GraphError> {
        let needed = graph.subgraph_for_many(roots)?;
        let order = needed.topological_order()?;
        let mut names: Vec<&str> = order.iter().map(String::as_str).collect();
        names.sort_unstable();
        let steps = order
            .iter()
            .map(|s| {
                let rank = names.iter().position(|n| n == s).unwrap_or(0);
                dependency_step(&needed, s, u64::try_from(rank).unwrap_or(0))
            })
            .collect::<Result<_, _>>()?;
        Ok(Plan { strategy: self.name().into(), max_concurrent: Some(1), steps })
    }
}

fn spec(name: &str) -> ServiceSpec {
    ServiceSpec {
        name: name.into(),
        command: "exec sleep 1000".into(),
        cwd: None,
        port: None,
        env: Default::default(),
        health: None,
        restart: Default::default(),
        startup_timeout_secs: 10,
        stop_grace_secs: 1,
        inherit: None,
        tags: Vec::new(),
    }
}

#[tokio::test]
async fn a_registered_custom_strategy_plans_the_execution() {
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::in_home(dir.path());
    std::fs::create_dir_all(paths.logs()).unwrap();
    let store = Store::open(&paths.database()).unwrap();
    let mut registry = StrategyRegistry::with_builtins();
    registry.register(Box::new(ReverseAlphabetical)).unwrap();
    let extensions =
        Extensions { strategies: registry, secrets: Arc::new(MemoryStore::default()), ..Default::default() };
    let (handle, engine) = start_with(store, paths, extensions).unwrap();
    for name in ["a", "b", "c", "x"] {
        handle.call(Request::AddService(spec(name))).await.unwrap();
    }
    for dep in ["a", "b", "c"] {
        let edge = DependencySpec {
            service: "x".into(),
            depends_on: dep.into(),
            condition: None,
            required: true,
            tunnel_mode: TunnelMode::None,
            timeout_secs: None,
            health_path: None,
            env_alias: None,
            restart_on_new_url: true,
        };
        handle.call(Request::AddDependency(edge)).await.unwrap();
    }
    let chain = ChainRequest {
        roots: vec!["x".into()],
        strategy: Some("reverse-alphabetical".into()),
        max_concurrent: None,
        rerun: Vec::new(),
        options: Default::default(),
    };
    let Response::Execution(report) = handle.call(Request::StartChain(chain)).await.unwrap() else {
        panic!("no report")
    };
    assert_eq!(report.strategy, "reverse-alphabetical");
    assert_eq!(report.services.len(), 4);
    // The actions the engine recorded (written off its task: all of them are in once it ended),
    // in the order it took them: highest rank first among the startable services (c, b, a), then
    // x once all three are ready.
    handle.call(Request::Shutdown).await.unwrap();
    engine.await.unwrap();
    let db = rusqlite::Connection::open(dir.path().join("nexsock.db")).unwrap();
    let actions: String =
        db.query_row("SELECT actions FROM startup_execution WHERE id = ?1", [report.id], |r| r.get(0)).unwrap();
    let actions: serde_json::Value = serde_json::from_str(&actions).unwrap();
    let started: Vec<&str> = actions
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "start")
        .map(|a| a["service"].as_str().unwrap())
        .collect();
    assert_eq!(started, ["c", "b", "a", "x"]);
}
