//! Procfile and Compose mapping rules, and format detection.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use nexsock_import::{ImportError, Imported, Options, Source, detect, import};
use nexsock_proto::{DependsOn, ImportFormat};
use rstest::rstest;

fn read(name: &str, text: &str, options: Options) -> Result<Imported, ImportError> {
    import(Source { path: &Path::new("/proj").join(name), text }, None, options)
}

const PROCFILE: &str =
    "# the app\nweb: bundle exec rails s -p $PORT\n\nworker:   bundle exec sidekiq\nclock: ruby clock.rb\n";

#[test]
fn procfile_lines_become_services_comments_and_blanks_skipped() {
    let imported = read("Procfile", PROCFILE, Options::default()).unwrap();
    assert_eq!(imported.format, ImportFormat::Procfile);
    let names: Vec<_> = imported.stack.services.keys().cloned().collect();
    assert_eq!(names, ["clock", "web", "worker"]);
    let worker = &imported.stack.services["worker"];
    assert_eq!((worker.command.as_deref(), worker.cwd.as_deref()), (Some("bundle exec sidekiq"), Some("/proj")));
    assert_eq!(imported.unmapped.len(), 1, "web uses $PORT and has none");
    assert_eq!((imported.unmapped[0].service.as_deref(), imported.unmapped[0].field.as_str()), (Some("web"), "PORT"));
}

#[test]
fn port_base_gives_each_process_a_port_in_steps_of_100_in_file_order() {
    let imported = read("Procfile.dev", PROCFILE, Options { port_base: Some(5000) }).unwrap();
    let ports: Vec<_> = ["web", "worker", "clock"]
        .iter()
        .map(|n| (imported.stack.services[*n].port, imported.stack.services[*n].env["PORT"].clone()))
        .collect();
    assert_eq!(ports, [(Some(5000), "5000".into()), (Some(5100), "5100".into()), (Some(5200), "5200".into())]);
    assert!(imported.unmapped.is_empty());
}

#[rstest]
#[case("web: x\nnot an entry\n", "line 2")]
#[case("web: x\nweb: y\n", "line 2")]
#[case("# nothing\n", "line 1")]
fn bad_procfiles_name_the_line(#[case] text: &str, #[case] at: &str) {
    match read("Procfile", text, Options::default()).unwrap_err() {
        ImportError::Invalid { at: found, .. } => assert_eq!(found, at),
        other => panic!("{other}"),
    }
}

#[test]
fn port_base_is_refused_for_other_formats() {
    let err = read("compose.yaml", "services: {}\n", Options { port_base: Some(5000) }).unwrap_err();
    assert!(matches!(err, ImportError::Option(_)), "{err}");
}

const COMPOSE: &str = r#"
name: shop
services:
  db:
    image: postgres:16
    ports: ["127.0.0.1:5432:5432", "9187:9187"]
    healthcheck:
      test: ["CMD", "pg_isready"]
      interval: 2s
    stop_grace_period: 1m30s
    volumes: [data:/var/lib/postgresql/data]
  migrate:
    build: .
    depends_on:
      db: { condition: service_healthy }
  cache:
    image: redis
    ports: [6379]
  api:
    build: .
    ports:
      - target: 80
        published: "8080"
    depends_on:
      migrate: { condition: service_completed_successfully }
      cache: { condition: service_started, required: false, restart: true }
  worker:
    build: .
    depends_on: [db, cache]
volumes:
  data: {}
"#;

#[test]
fn compose_services_run_their_container_through_docker_compose() {
    let imported = read("compose.yaml", COMPOSE, Options::default()).unwrap();
    assert_eq!(imported.format, ImportFormat::Compose);
    let db = &imported.stack.services["db"];
    assert_eq!(
        db.command.as_deref(),
        Some("exec docker compose -f /proj/compose.yaml up --no-deps --no-log-prefix db")
    );
    assert_eq!(db.cwd.as_deref(), Some("/proj"));
    assert_eq!(db.port, Some(5432), "the first published port");
    assert_eq!(db.stop_grace, Some(95), "the container's 90 s and the client's 5");
    let health = db.health.as_deref().unwrap();
    assert!(
        health.starts_with("exec:")
            && health.contains("docker inspect --format '{{.State.Health.Status}}'")
            && health.contains("ps -q db"),
        "{health}"
    );
    assert_eq!(imported.stack.services["cache"].port, None, "a bare container port publishes no known port");
    assert_eq!(imported.stack.services["api"].port, Some(8080), "long syntax");
    assert_eq!(imported.stack.services["migrate"].health, None);
}

#[test]
fn compose_depends_on_in_both_forms() {
    let imported = read("compose.yaml", COMPOSE, Options::default()).unwrap();
    let edges = |name: &str| match &imported.stack.services[name].depends_on {
        DependsOn::Map(m) => {
            m.iter().map(|(d, e)| (d.clone(), e.condition.clone().unwrap(), e.optional)).collect::<Vec<_>>()
        }
        DependsOn::List(_) => panic!("a map"),
    };
    assert_eq!(edges("api"), [("cache".into(), "started".into(), true), ("migrate".into(), "completed".into(), false)]);
    assert_eq!(edges("migrate"), [("db".into(), "healthy".into(), false)]);
    assert_eq!(edges("worker"), [("cache".into(), "started".into(), false), ("db".into(), "started".into(), false)]);
}

#[test]
fn compose_reports_later_ports_and_dependency_restarts() {
    let imported = read("compose.yaml", COMPOSE, Options::default()).unwrap();
    let notes: Vec<_> =
        imported.unmapped.iter().map(|u| format!("{}:{}", u.service.as_deref().unwrap_or("-"), u.field)).collect();
    assert_eq!(notes, ["db:ports[1]", "api:depends_on.cache.restart"]);
}

#[test]
fn a_disabled_compose_healthcheck_is_none() {
    let text = "services:\n  a:\n    image: x\n    healthcheck: { test: [NONE] }\n  b:\n    image: x\n    healthcheck: { disable: true }\n";
    let imported = read("docker-compose.yml", text, Options::default()).unwrap();
    assert!(imported.stack.services.values().all(|s| s.health.is_none()));
}

#[test]
fn a_compose_file_path_with_spaces_is_quoted_in_the_command() {
    let source = Source { path: Path::new("/my proj/compose.yaml"), text: "services:\n  a: { image: x }\n" };
    let imported = import(source, None, Options::default()).unwrap();
    assert_eq!(
        imported.stack.services["a"].command.as_deref(),
        Some("exec docker compose -f '/my proj/compose.yaml' up --no-deps --no-log-prefix a")
    );
}

#[rstest]
#[case("services:\n  a:\n    depends_on: [ghost]\n", "services.a.depends_on.ghost")]
#[case(
    "services:\n  a:\n    image: x\n  b:\n    depends_on: { a: { condition: service_ready } }\n",
    "services.b.depends_on.a.condition"
)]
#[case("networks: {}\n", "services")]
fn bad_compose_fields_are_errors_naming_them(#[case] text: &str, #[case] at: &str) {
    match import(Source { path: Path::new("/p/compose.yaml"), text }, Some(ImportFormat::Compose), Options::default()) {
        Err(ImportError::Invalid { at: found, .. }) => assert_eq!(found, at),
        other => panic!("{other:?}"),
    }
}

#[rstest]
#[case("Procfile", "", Some(ImportFormat::Procfile))]
#[case("Procfile.dev", "", Some(ImportFormat::Procfile))]
#[case("process-compose.override.yml", "", Some(ImportFormat::ProcessCompose))]
#[case("compose.yaml", "", Some(ImportFormat::Compose))]
#[case("docker-compose.prod.yml", "", Some(ImportFormat::Compose))]
#[case("stack.yaml", "processes:\n  a: {command: x}\n", Some(ImportFormat::ProcessCompose))]
#[case("stack.yaml", "services:\n  a: {image: x}\n", Some(ImportFormat::Compose))]
#[case("procs", "web: run\n# c\nworker: go\n", Some(ImportFormat::Procfile))]
#[case("notes.txt", "just some text\n", None)]
fn the_format_is_detected_from_name_then_content(
    #[case] name: &str,
    #[case] text: &str,
    #[case] format: Option<ImportFormat>,
) {
    assert_eq!(detect(Path::new(name), text), format);
}

#[test]
fn an_undetectable_format_is_an_error() {
    let err = read("notes.txt", "just some text\n", Options::default()).unwrap_err();
    assert!(matches!(err, ImportError::UnknownFormat { .. }) && err.to_string().contains("--format"), "{err}");
}

#[test]
fn compose_profiles_become_tags() {
    let text = "services:\n  db:\n    image: postgres\n  debug:\n    image: busybox\n    profiles: [tools, debug]\n";
    let source = Source { path: Path::new("/proj/compose.yaml"), text };
    let imported = import(source, None, Options::default()).unwrap();
    assert_eq!(imported.stack.services["debug"].tags, ["tools", "debug"]);
    assert!(imported.stack.services["db"].tags.is_empty());
    let bad =
        Source { path: Path::new("/proj/compose.yaml"), text: "services:\n  a:\n    image: x\n    profiles: tools\n" };
    let err = import(bad, None, Options::default()).unwrap_err().to_string();
    assert!(err.contains("services.a.profiles") && err.contains("list of profile names"), "{err}");
}
