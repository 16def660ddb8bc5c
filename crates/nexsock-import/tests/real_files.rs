//! Real process-compose files, copied from its repository (see each file's first line): they read,
//! their graphs come out as written, and what has no counterpart is reported.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use nexsock_import::{ImportError, Imported, Options, Source, import};
use nexsock_proto::{DependsOn, RestartPolicy};

fn fixture(name: &str) -> Result<Imported, ImportError> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    import(Source { path: &path, text: &text }, None, Options::default())
}

fn edges(imported: &Imported, name: &str) -> Vec<String> {
    match &imported.stack.services[name].depends_on {
        DependsOn::Map(m) => m.iter().map(|(d, e)| format!("{d}:{}", e.condition.as_deref().unwrap_or("-"))).collect(),
        DependsOn::List(l) => l.clone(),
    }
}

fn reported(imported: &Imported, service: Option<&str>) -> Vec<String> {
    imported.unmapped.iter().filter(|u| u.service.as_deref() == service).map(|u| u.field.clone()).collect()
}

#[test]
fn the_linkstash_demo_maps_vars_probes_and_conditions() {
    // Detected by content: the copy is not named process-compose*.yaml.
    let demo = fixture("pc-linkstash-demo.yaml").unwrap();
    assert_eq!(demo.stack.services.len(), 8);
    let api = &demo.stack.services["api"];
    assert_eq!(api.command.as_deref(), Some("python3 ./services/api.py"));
    assert_eq!((api.health.as_deref(), api.port), (Some("http:/health"), Some(8110)));
    assert_eq!((api.restart, api.stop_grace), (RestartPolicy::Always, Some(5)));
    assert_eq!(api.env["PYTHONUNBUFFERED"], "1");
    assert_eq!(edges(&demo, "api"), ["migrate:completed"]);
    assert_eq!(edges(&demo, "web"), ["api:healthy"]);
    assert_eq!(demo.stack.services["mailer"].health.as_deref(), Some("log:relay ready, accepting mail"));
    // A namespace is a tag.
    assert_eq!(api.tags, ["backend"], "the namespace is a tag");
    let api_notes = reported(&demo, Some("api"));
    for field in ["description", "liveness_probe", "availability.backoff_seconds", "readiness_probe.period_seconds"] {
        assert!(api_notes.iter().any(|f| f == field), "{field} not in {api_notes:?}");
    }
    assert!(reported(&demo, Some("worker")).contains(&"replicas".to_owned()));
    assert!(reported(&demo, Some("vacuum")).contains(&"schedule".to_owned()));
    assert!(reported(&demo, Some("docs")).contains(&"disabled".to_owned()));
}

#[test]
fn the_rhombus_chain_keeps_its_diamond() {
    let rhombus = fixture("pc-chain-rhombus.yaml").unwrap();
    assert_eq!(rhombus.stack.services.len(), 8);
    assert_eq!(edges(&rhombus, "process5"), ["process6:completed", "process7:completed"]);
    assert_eq!(edges(&rhombus, "process6"), ["process8:completed"]);
    assert_eq!(edges(&rhombus, "process7"), ["process8:completed"]);
    assert_eq!(rhombus.stack.services["process2"].restart, RestartPolicy::OnFailure);
    assert_eq!(rhombus.stack.services["process1"].env["ABC"], "222", "top-level environment");
}

#[test]
fn the_data_aggregation_example_keeps_secrets_as_references() {
    let data = fixture("pc-data-aggregation.yaml").unwrap();
    let feeder = &data.stack.services["db_feeder"];
    assert_eq!(feeder.env["DB_CONNECTION_STRING"], "MYDB://${DB_USER}:${DB_PASSWORD}@localhost:27017");
    assert!(reported(&data, Some("db_feeder")).contains(&"environment.DB_CONNECTION_STRING".to_owned()));
    assert_eq!(reported(&data, None), ["log_location"]);
    assert_eq!(edges(&data, "db_awaiter"), ["database:started"]);
}

#[test]
fn the_log_line_fixture_maps_log_ready() {
    let log = fixture("pc-log-line.yaml").unwrap();
    assert_eq!(edges(&log, "oblivious"), ["failer:log"]);
    assert_eq!(log.stack.services["failer"].health.as_deref(), Some("log:ready to accept connections"));
    assert!(reported(&log, Some("failer")).contains(&"availability.restart".to_owned()), "exit_on_failure");
}

#[test]
fn the_circular_fixture_reads_and_leaves_the_cycle_to_the_graph_check() {
    let circular = fixture("pc-circular.yaml").unwrap();
    assert_eq!(edges(&circular, "process1"), ["process2:completed"]);
    assert_eq!(edges(&circular, "process2"), ["process1:completed"]);
}

#[test]
fn the_repositorys_own_file_is_refused_for_its_dependency_on_a_process_it_lacks() {
    // process3 depends on `nginx`, which this file does not declare (process-compose logs an error
    // and starts it anyway); an import refuses it, naming the field.
    let err = fixture("pc-repo-root.yaml").unwrap_err().to_string();
    assert!(err.contains("processes.process3.depends_on.nginx"), "{err}");
}
