//! Schema migrations against real SQLite files: a database written by an older nexsock (checked
//! in as a fixture) must keep migrating to the latest schema with its data intact.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use nexsock_core::store::{Store, latest_version};
use nexsock_proto::{HealthCheck, RestartPolicy};

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures").join(name)
}

#[test]
fn a_schema_v1_database_migrates_to_the_latest_with_its_services_intact() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("nexsock.db");
    std::fs::copy(fixture("schema-v1.db"), &db).unwrap();
    let store = Store::open(&db).unwrap();
    assert!(latest_version() > 1, "the fixture must be older than the latest schema");
    assert_eq!(store.schema_version().unwrap(), latest_version());
    let services = store.load_services().unwrap();
    assert_eq!(services.len(), 1);
    let spec = &services[0].1;
    assert_eq!(spec.name, "legacy-api");
    assert_eq!(spec.port, Some(8123));
    assert_eq!(spec.health, Some(HealthCheck::Http { path: "/".into() }));
    assert_eq!(spec.restart, RestartPolicy::OnFailure);
    assert_eq!(spec.env.get("MODE").map(String::as_str), Some("old"));
    // The old run is still there, and the columns and tables of later versions exist.
    let execution: Option<i64> = store
        .conn()
        .query_row("SELECT execution_id FROM service_run WHERE token = 'fixture-token'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(execution, None);
    let tables = |name: &str| -> i64 {
        store
            .conn()
            .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1", [name], |r| r.get(0))
            .unwrap()
    };
    for table in ["service_dependency", "startup_execution", "tunnel"] {
        assert_eq!(tables(table), 1, "table {table} after migration");
    }
    // ...and what version 5 dropped is gone (a v1 database had `service.tunnel_required`).
    assert_eq!(tables("profile"), 0);
    let unused: i64 = store
        .conn()
        .query_row("SELECT count(*) FROM pragma_table_info('service') WHERE name = 'tunnel_required'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(unused, 0);
    // Opening again is a no-op.
    drop(store);
    assert_eq!(Store::open(&db).unwrap().schema_version().unwrap(), latest_version());
}

#[test]
fn foreign_keys_cascade_from_a_service_to_its_edges_and_runs() {
    let store = Store::open_in_memory().unwrap();
    let conn = store.conn();
    for name in ["a", "b"] {
        conn.execute("INSERT INTO service (name, command, created_at, updated_at) VALUES (?1, 'true', 0, 0)", [name])
            .unwrap();
    }
    conn.execute("INSERT INTO service_dependency (service_id, depends_on_id) VALUES (1, 2)", []).unwrap();
    store.insert_run(2, 1, 1, None, "t", 0).unwrap();
    store.delete_service("b").unwrap();
    let edges: i64 = conn.query_row("SELECT count(*) FROM service_dependency", [], |r| r.get(0)).unwrap();
    let runs: i64 = conn.query_row("SELECT count(*) FROM service_run", [], |r| r.get(0)).unwrap();
    assert_eq!((edges, runs), (0, 0));
}
